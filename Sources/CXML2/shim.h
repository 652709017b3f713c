#ifndef CXML2_SHIM_H
#define CXML2_SHIM_H
/* Debian's libxml2 is built with ICU; its headers then pull in the system ICU, which clashes with
   Foundation's own (_FoundationICU) on a clean build. We never touch the ICU-only fields. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlmemory.h>
/* xmlFree is a global mutable function pointer: not concurrency-safe to name from Swift 6. */
static inline void cxml_free(void *p) { xmlFree(p); }
#endif
