# synfin_target_options(<target>)
#
# Flags for the project's own targets (tests, examples, the checker CLI, benchmarks) -- never
# for synfin::synfin's consumers:
#   * -Wall -Wextra -Wpedantic, plus -Werror while SYNFIN_WARNINGS_AS_ERRORS is ON (default);
#   * with SYNFIN_SANITIZE: -fsanitize=address,undefined -fno-sanitize-recover=all
#     -fno-omit-frame-pointer, on both compile and link lines.
include_guard(GLOBAL)

if(SYNFIN_SANITIZE AND NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    message(FATAL_ERROR "SYNFIN_SANITIZE needs GCC or Clang (compiler is ${CMAKE_CXX_COMPILER_ID})")
endif()

function(synfin_target_options target)
    if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
        target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
        # GCC 12 at -O3 reports -Wrestrict inside libstdc++'s own `"literal" + std::string&&`
        # (GCC bug 105651): a false positive in the library, not in our code.
        if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
            target_compile_options(${target} PRIVATE -Wno-restrict)
        endif()
        if(SYNFIN_WARNINGS_AS_ERRORS)
            target_compile_options(${target} PRIVATE -Werror)
        endif()
    elseif(MSVC)
        target_compile_options(${target} PRIVATE /W4 /permissive-)
        if(SYNFIN_WARNINGS_AS_ERRORS)
            target_compile_options(${target} PRIVATE /WX)
        endif()
    endif()
    if(SYNFIN_SANITIZE)
        set(_flags -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
        target_compile_options(${target} PRIVATE ${_flags})
        target_link_options(${target} PRIVATE ${_flags})
    endif()
endfunction()
