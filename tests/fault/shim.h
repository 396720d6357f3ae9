/* SPDX-License-Identifier: ISC */
/* shim.h -- the fault injector the library is linked against (shim.c):
 * with -Wl,--wrap every allocation and every I/O call the library makes
 * passes through here, is counted, and the Nth one can be made to fail. */
#ifndef RPT_FAULT_SHIM_H
#define RPT_FAULT_SHIM_H

typedef enum fault_kind {
    FAULT_NONE,
    FAULT_ALLOC,      /* the Nth allocation returns NULL */
    FAULT_ALLOC_ALL,  /* the Nth and every later allocation return NULL */
    FAULT_EIO,        /* the Nth I/O call fails with EIO (threads: EAGAIN) */
    FAULT_EIO_ALL,    /* the Nth and every later I/O call: a disk gone bad */
    FAULT_ENOSPC,     /* the Nth call that can run out of space does */
    FAULT_SHORT_FULL, /* the Nth write is short, and the disk is then full */
    FAULT_SHORT,      /* the Nth write is short, and that is all */
    FAULT_SHORT_READ, /* the Nth read is short, and that is all */
    FAULT_KINDS
} fault_kind;

/* Arms kind for the nth (1-based) call it applies to. */
void shim_arm(fault_kind kind, long nth);
/* Disarms; returns 1 when the fault was injected, and names the call. */
int shim_disarm(const char **where);
/* Blocks from the wrapped allocators not yet freed. */
long shim_live_blocks(void);
const char *shim_kind_name(fault_kind kind);

#endif
