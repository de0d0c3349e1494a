# Packaging tests, run by ctest (see tests/CMakeLists.txt):
#   cmake -DSTEP=<step> -DSOURCE_DIR=<synfin source> -DBINARY_DIR=<synfin build> -DWORK_DIR=<dir>
#         [-DCONFIG=..] [-DGENERATOR=..] [-DMAKE_PROGRAM=..] [-DCXX_COMPILER=..]
#         [-DPKGCONFIG_DIR=share/pkgconfig] -P PackageTest.cmake
#
# STEP
#   install           cmake --install BINARY_DIR --prefix WORK_DIR/prefix (prefix emptied first)
#   find_package      configure+build tests/package (SYNFIN_CONSUMER_MODE=find_package) against
#                     WORK_DIR/prefix only, then run the consumer
#   add_subdirectory  same consumer, SYNFIN_CONSUMER_MODE=add_subdirectory of SOURCE_DIR
#   pkg_config        compile tests/package/main.cpp with `pkg-config --cflags synfin` taken from
#                     WORK_DIR/prefix, then run it; prints "SYNFIN_SKIP:" (ctest: skipped) when
#                     pkg-config is not installed
cmake_minimum_required(VERSION 3.21)

foreach(var STEP SOURCE_DIR BINARY_DIR WORK_DIR)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "PackageTest.cmake: -D${var}=... is required")
    endif()
endforeach()
if(NOT CONFIG)
    set(CONFIG "Release")
endif()
if(NOT PKGCONFIG_DIR)
    set(PKGCONFIG_DIR "share/pkgconfig")
endif()

set(prefix "${WORK_DIR}/prefix")
set(consumer_src "${SOURCE_DIR}/tests/package")

function(run)
    string(REPLACE ";" " " pretty "${ARGN}")
    message("+ ${pretty}")
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
    if(NOT rc STREQUAL "0")
        message(FATAL_ERROR "command failed (${rc}): ${pretty}")
    endif()
endfunction()

# Configure, build and run the consumer project in WORK_DIR/<name>, from scratch.
function(consumer name)
    set(bin "${WORK_DIR}/${name}")
    file(REMOVE_RECURSE "${bin}")
    set(cfg "${CMAKE_COMMAND}" -S "${consumer_src}" -B "${bin}" "-DCMAKE_BUILD_TYPE=${CONFIG}" ${ARGN})
    if(GENERATOR)
        list(APPEND cfg -G "${GENERATOR}")
    endif()
    if(MAKE_PROGRAM)
        list(APPEND cfg "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
    endif()
    if(CXX_COMPILER)
        list(APPEND cfg "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
    endif()
    run(${cfg})
    run("${CMAKE_COMMAND}" --build "${bin}" --config "${CONFIG}")
    # Single-config generators put it in ${bin}, multi-config ones in ${bin}/<config>.
    foreach(exe "${bin}/synfin_consumer" "${bin}/${CONFIG}/synfin_consumer"
                "${bin}/synfin_consumer.exe" "${bin}/${CONFIG}/synfin_consumer.exe")
        if(EXISTS "${exe}")
            run("${exe}")
            return()
        endif()
    endforeach()
    message(FATAL_ERROR "synfin_consumer was not built in ${bin}")
endfunction()

if(STEP STREQUAL "install")
    file(REMOVE_RECURSE "${prefix}")
    run("${CMAKE_COMMAND}" --install "${BINARY_DIR}" --prefix "${prefix}" --config "${CONFIG}")
    foreach(f "include/synfin/synfin.hpp")
        if(NOT EXISTS "${prefix}/${f}")
            message(FATAL_ERROR "install did not produce ${prefix}/${f}")
        endif()
    endforeach()
    file(GLOB_RECURSE cfg "${prefix}/*/synfinConfig.cmake")
    file(GLOB_RECURSE ver "${prefix}/*/synfinConfigVersion.cmake")
    file(GLOB_RECURSE pc "${prefix}/*/synfin.pc")
    if(NOT cfg OR NOT ver OR NOT pc)
        message(FATAL_ERROR "install is missing synfinConfig.cmake, synfinConfigVersion.cmake or synfin.pc")
    endif()
    message("installed into ${prefix}")

elseif(STEP STREQUAL "find_package")
    # Only the test prefix may satisfy find_package: no package registry, no system dirs.
    consumer(find_package
        -DSYNFIN_CONSUMER_MODE=find_package
        "-DCMAKE_PREFIX_PATH=${prefix}"
        "-DSYNFIN_CONSUMER_EXPECT_PREFIX=${prefix}"
        -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
        -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)

elseif(STEP STREQUAL "add_subdirectory")
    consumer(add_subdirectory
        -DSYNFIN_CONSUMER_MODE=add_subdirectory
        "-DSYNFIN_SOURCE_DIR=${SOURCE_DIR}")

elseif(STEP STREQUAL "pkg_config")
    find_program(PKG_CONFIG_EXECUTABLE NAMES pkg-config pkgconf)
    if(NOT PKG_CONFIG_EXECUTABLE)
        message("SYNFIN_SKIP: pkg-config is not installed")
        return()
    endif()
    if(NOT CXX_COMPILER)
        message(FATAL_ERROR "PackageTest.cmake: pkg_config needs -DCXX_COMPILER=...")
    endif()
    set(ENV{PKG_CONFIG_PATH} "${prefix}/${PKGCONFIG_DIR}")
    set(ENV{PKG_CONFIG_LIBDIR} "${prefix}/${PKGCONFIG_DIR}") # nothing from the system
    execute_process(COMMAND "${PKG_CONFIG_EXECUTABLE}" --cflags synfin
        OUTPUT_VARIABLE cflags OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
    if(NOT rc STREQUAL "0")
        message(FATAL_ERROR "pkg-config --cflags synfin failed (${rc}) with PKG_CONFIG_PATH=$ENV{PKG_CONFIG_PATH}")
    endif()
    execute_process(COMMAND "${PKG_CONFIG_EXECUTABLE}" --modversion synfin
        OUTPUT_VARIABLE version OUTPUT_STRIP_TRAILING_WHITESPACE)
    message("pkg-config: synfin ${version}: ${cflags}")
    if(NOT cflags MATCHES "-I")
        message(FATAL_ERROR "pkg-config --cflags synfin has no -I: '${cflags}'")
    endif()
    separate_arguments(cflags_list UNIX_COMMAND "${cflags}")
    set(bin "${WORK_DIR}/pkg_config")
    file(REMOVE_RECURSE "${bin}")
    file(MAKE_DIRECTORY "${bin}")
    # The -I directory is not a system directory here, so the headers themselves must be
    # warning-free for a plain -Wall -Wextra -Wpedantic -Werror consumer.
    run("${CXX_COMPILER}" -std=c++20 -Wall -Wextra -Wpedantic -Werror ${cflags_list}
        "${consumer_src}/main.cpp" -o "${bin}/synfin_consumer")
    run("${bin}/synfin_consumer")

else()
    message(FATAL_ERROR "PackageTest.cmake: unknown STEP '${STEP}'")
endif()
