#ifndef CLAIMS_OSDBRIDGE_H
#define CLAIMS_OSDBRIDGE_H
#ifdef __cplusplus
extern "C" {
#endif

void* osd_new(void);
int osd_detect(void* handle, const unsigned char* pix, int width, int height, int stride, int dpi,
               int* orient_deg, float* orient_conf);
void osd_free(void* handle);

#ifdef __cplusplus
}
#endif
#endif
