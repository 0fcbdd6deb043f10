// malloc_conf.c: the jemalloc options of the dsh executable (scripts/release-flags links
// jemalloc into the released binary; in a build without it, this string is unused).
//
// jemalloc reads `malloc_conf` when it starts, before main; the MALLOC_CONF environment
// variable still overrides it.
//   narenas:1   one arena for every thread. dsh code runs on one thread at a time; the
//               thread caches serve the few other threads' small allocations, and each
//               further arena only costs memory and start-up.
//   thp:always  transparent huge pages for jemalloc's memory (madvise, which the kernel's
//               default "madvise" mode honours). A script that builds 500k strings took
//               21,000 page faults of 4 KiB, about 40% of its time on this machine; with
//               2 MiB pages it takes 1,900 and runs in 0.57 of the time. The cost: a
//               bigger resident set for a small script (18 MB instead of 12.5 MB for
//               `dsh -c 'print(1)'`), and start-up zeroes a few huge pages.
#include "CMallocConfig.h"

const char *malloc_conf = "narenas:1,thp:always";
