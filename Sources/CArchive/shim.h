#ifndef CARCHIVE_SHIM_H
#define CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
/* archive_set_error is variadic (printf-style); Swift cannot call it directly. */
static inline void carchive_set_error(struct archive *a, int code, const char *msg) {
    archive_set_error(a, code, "%s", msg);
}
/* AE_IF* are cast macros; Swift does not import them. */
static const unsigned int carchive_ifreg = AE_IFREG;
static const unsigned int carchive_ifdir = AE_IFDIR;
static const unsigned int carchive_iflnk = AE_IFLNK;
static const unsigned int carchive_ifmt = AE_IFMT;
#endif
