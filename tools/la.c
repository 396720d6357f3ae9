/* SPDX-License-Identifier: ISC */
/* la.c -- see la.h. */
#include "la.h"

#ifdef RPT_HAVE_LIBARCHIVE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

_Static_assert(sizeof(void *) == sizeof(void (*)(void)), "dlsym() needs a function pointer to fit in void *");

const fe_la *fe_la_load_from(const char *soname, fe_la *table, const char **why) {
    static char words[512];
    /* RTLD_LOCAL: its symbols serve this table only; RTLD_NOW: a missing
     * one is found here, not halfway through a tar */
    void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char *e = dlerror();
        snprintf(words, sizeof words, "%s", e ? e : soname);
        *why = words;
        return NULL;
    }
    /* POSIX makes the object pointer dlsym() returns usable as a function
     * pointer; ISO C has no conversion for it, hence the copy of bytes. */
#define FE_LA_LOOK(name)                                                                           \
    {                                                                                              \
        void *sym = dlsym(lib, #name);                                                             \
        if (!sym) {                                                                                \
            snprintf(words, sizeof words, "%s has no %s", soname, #name);                          \
            *why = words;                                                                          \
            dlclose(lib);                                                                          \
            return NULL;                                                                           \
        }                                                                                          \
        memcpy(&table->name, &sym, sizeof sym);                                                    \
    }
    FE_LA_FUNCTIONS(FE_LA_LOOK)
#undef FE_LA_LOOK
    return table; /* the library stays loaded for the rest of the run */
}

const fe_la *fe_la_load(const char **why) {
    static fe_la table;
    static const fe_la *loaded;
    static const char *failed;
    if (!loaded && !failed) loaded = fe_la_load_from(RPT_LIBARCHIVE_SONAME, &table, &failed);
    if (!loaded) *why = failed;
    return loaded;
}

#endif /* RPT_HAVE_LIBARCHIVE */
