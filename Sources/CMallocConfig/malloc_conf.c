// malloc_conf.c: the jemalloc options of the dsh executable (scripts/release-flags links
// jemalloc into the released binary; in a build without it, this string is unused).
//
// jemalloc reads `malloc_conf` when it starts, before main; the MALLOC_CONF environment
// variable still overrides it.
//   narenas:1   one arena for every thread. dsh code runs on one thread at a time; the
//               thread caches serve the few other threads' small allocations, and each
//               further arena only costs memory and start-up.
// Not thp:always (transparent huge pages): it took a script that builds 500k strings
// from 21,000 page faults to 1,900 and from 0.08 s to 0.05 s when it ran alone, but run
// between other programs (as scripts/bench does) its huge pages came slowly and
// unevenly: the 1M-entry map took 0.42-0.54 s instead of 0.25-0.35 s, sorting 1M ints
// 0.12 or 0.26 s from run to run.
#include "CMallocConfig.h"

const char *malloc_conf = "narenas:1";
