# cmake -DAR=ar -DMRI=script.mri -P merge_static.cmake: runs `ar -M < script.mri`
# (an MRI script that merges static libraries into one archive).
execute_process(COMMAND ${AR} -M INPUT_FILE ${MRI} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ar -M failed (${rc})")
endif()
