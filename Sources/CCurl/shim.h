#ifndef CCURL_SHIM_H
#define CCURL_SHIM_H
#include <curl/curl.h>
/* curl_easy_setopt / curl_easy_getinfo / curl_multi_setopt are C variadic functions:
   one typed wrapper per argument kind. */
static inline CURLcode ccurl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_str(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_ptr(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
typedef size_t (*ccurl_data_cb)(char *ptr, size_t size, size_t nmemb, void *userdata);
static inline CURLcode ccurl_setopt_datacb(CURL *h, CURLoption o, ccurl_data_cb cb) { return curl_easy_setopt(h, o, cb); }
static inline CURLcode ccurl_getinfo_long(CURL *h, CURLINFO i, long *out) { return curl_easy_getinfo(h, i, out); }
static inline CURLcode ccurl_getinfo_double(CURL *h, CURLINFO i, double *out) { return curl_easy_getinfo(h, i, out); }
static inline CURLcode ccurl_getinfo_str(CURL *h, CURLINFO i, char **out) { return curl_easy_getinfo(h, i, out); }
static inline CURLMcode ccurl_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }
/* CURLOPT_PREREQFUNCTION (libcurl 7.80): called on the loop thread each time libcurl is about to
   send the request on a connection, including its own re-send after a reused connection died.
   Return 0 to go on, 1 to abort. CURLE_UNKNOWN_OPTION when the libcurl headers predate it (a
   runtime libcurl that predates it answers the same). */
typedef int (*ccurl_prereq_cb)(void *userdata, char *primary_ip, char *local_ip, int primary_port, int local_port);
static inline CURLcode ccurl_setopt_prereq(CURL *h, ccurl_prereq_cb cb, void *userdata) {
#if LIBCURL_VERSION_NUM >= 0x075000
  CURLcode rc = curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, cb);
  if (rc != CURLE_OK) return rc;
  return curl_easy_setopt(h, CURLOPT_PREREQDATA, userdata);
#else
  (void)h; (void)cb; (void)userdata;
  return CURLE_UNKNOWN_OPTION;
#endif
}
#endif
