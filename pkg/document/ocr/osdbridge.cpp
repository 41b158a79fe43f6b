// osdbridge.cpp gives Go Tesseract's orientation detection
// (TessBaseAPI::DetectOrientationScript), which gosseract does not expose.
#include <tesseract/baseapi.h>
#include "osdbridge.h"

extern "C" {

// osd_new starts a Tesseract engine with the osd language data (legacy
// engine only: osd.traineddata has no LSTM model). It returns NULL when
// the data cannot be loaded.
void* osd_new(void) {
    tesseract::TessBaseAPI* api = new tesseract::TessBaseAPI();
    // Diagnostics ("Too few characters") go to /dev/null, not stderr.
    api->SetVariable("debug_file", "/dev/null");
    if (api->Init(nullptr, "osd", tesseract::OEM_TESSERACT_ONLY) != 0) {
        delete api;
        return nullptr;
    }
    api->SetPageSegMode(tesseract::PSM_OSD_ONLY);
    return api;
}

// osd_detect runs orientation detection on an 8-bit gray image. It
// returns 1 and sets the image's clockwise rotation and its confidence, or
// returns 0 when Tesseract finds too little text to tell. The image is
// released before it returns: Tesseract keeps no pointer to it.
int osd_detect(void* handle, const unsigned char* pix, int width, int height, int stride, int dpi,
               int* orient_deg, float* orient_conf) {
    tesseract::TessBaseAPI* api = static_cast<tesseract::TessBaseAPI*>(handle);
    api->SetImage(pix, width, height, 1, stride);
    api->SetSourceResolution(dpi);
    const char* script = nullptr;
    float script_conf = 0;
    bool ok = api->DetectOrientationScript(orient_deg, orient_conf, &script, &script_conf);
    api->Clear();
    return ok ? 1 : 0;
}

void osd_free(void* handle) {
    tesseract::TessBaseAPI* api = static_cast<tesseract::TessBaseAPI*>(handle);
    if (api != nullptr) {
        api->End();
        delete api;
    }
}

}
