# Writes one man page from a program's --help with help2man (cmake -P).
#   -DHELP2MAN=path -DPROGRAM=path -DSUBCOMMAND=name|"" -DNAME=text -DOUT=file
#   [-DVIEWER=path]: also a section with that program's --help (the `gui`
#   subcommand's page documents the epscope-gui viewer it starts, which shares
#   its name: one page, epscope-gui(1), for both).
# A subcommand's page is `PROGRAM-SUBCOMMAND(1)` (git's and perf's convention),
# generated from `PROGRAM SUBCOMMAND --help`, so it never drifts from the CLI.
if(SUBCOMMAND)
  set(help_option "${SUBCOMMAND} --help")
else()
  set(help_option "--help")
endif()
set(include_args)
if(VIEWER)
  execute_process(COMMAND ${VIEWER} --help OUTPUT_VARIABLE viewer_help RESULT_VARIABLE vrc)
  if(NOT vrc EQUAL 0)
    message(FATAL_ERROR "${VIEWER} --help failed")
  endif()
  string(REPLACE "\\" "\\e" viewer_help "${viewer_help}")
  get_filename_component(viewer_name ${VIEWER} NAME)
  string(REPLACE "${VIEWER}" "${viewer_name}" viewer_help "${viewer_help}")
  file(WRITE ${OUT}.include "[THE VIEWER: ${viewer_name}]\n.nf\n${viewer_help}.fi\n")
  set(include_args --include=${OUT}.include)
endif()
execute_process(
  COMMAND ${HELP2MAN} ${include_args} --no-info --no-discard-stderr --section=1 --name=${NAME}
          --help-option=${help_option} --version-option=--version ${PROGRAM}
  OUTPUT_VARIABLE page
  RESULT_VARIABLE rc
  ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR page STREQUAL "")
  message(FATAL_ERROR "help2man failed for ${PROGRAM} ${SUBCOMMAND}: ${err}")
endif()
if(SUBCOMMAND)
  get_filename_component(prog ${PROGRAM} NAME)
  string(TOUPPER "${prog}-${SUBCOMMAND}" title)
  string(TOUPPER "${prog}" prog_title)
  string(REPLACE ".TH ${prog_title} " ".TH ${title} " page "${page}")
  string(REPLACE ".SH NAME\n${prog} \\-" ".SH NAME\n${prog}\\-${SUBCOMMAND} \\-" page "${page}")
endif()
file(WRITE ${OUT}.tmp "${page}")
file(RENAME ${OUT}.tmp ${OUT})
