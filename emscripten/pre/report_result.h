/* Force-included (-include) into the upstream Emscripten socket tests when built for node.
 * Upstream's browser harness defines REPORT_RESULT(x) to post x to the test server; here it
 * prints a line that run-all.js looks for ("REPORT_RESULT=266" for the select tests). */
#ifndef SOCKBRIDGE_REPORT_RESULT_H
#define SOCKBRIDGE_REPORT_RESULT_H
#include <stdio.h>
#define REPORT_RESULT(x) do { printf("REPORT_RESULT=%d\n", (int)(x)); fflush(stdout); } while (0)
#endif
