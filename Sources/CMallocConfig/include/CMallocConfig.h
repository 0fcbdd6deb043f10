// CMallocConfig.h: the dsh executable's jemalloc settings (see malloc_conf.c). Nothing to
// call: the settings are data jemalloc reads when it starts.
#ifndef C_MALLOC_CONFIG_H
#define C_MALLOC_CONFIG_H

/// The jemalloc options compiled into the dsh executable (jemalloc's `malloc_conf`).
extern const char *malloc_conf;

#endif
