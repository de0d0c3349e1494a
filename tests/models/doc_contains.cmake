# cmake -DDOC=FILE -DFILES="A;B" -P doc_contains.cmake: fails unless DOC contains each file verbatim.
file(READ "${DOC}" doc)
foreach(f IN LISTS FILES)
    file(READ "${f}" text)
    string(FIND "${doc}" "${text}" at)
    if(at EQUAL -1)
        message(FATAL_ERROR "${DOC} does not show ${f} as it is")
    endif()
endforeach()
