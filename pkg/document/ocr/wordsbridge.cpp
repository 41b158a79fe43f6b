// wordsbridge.cpp gives Go a page's text lines and their words from one
// recognition. gosseract runs Tesseract's Recognize in each of its calls
// (GetBoundingBoxes at the line level, GetBoundingBoxesVerbose at the word
// level), and its word-level walk cannot give a line's text (chi_sim keeps
// the spaces between words as measured, preserve_interword_spaces) nor
// its confidence (the mean of its words' certainties, which the words'
// confidences, clipped at 0, do not give back).
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>
#include <tesseract/baseapi.h>
#include <tesseract/ltrresultiterator.h>
#include <tesseract/resultiterator.h>
#include "wordsbridge.h"

namespace {

// take copies what GetUTF8Text returned into a malloc'd string for Go
// and frees Tesseract's (new[]'d) copy.
char* take(char* text) {
    if (text == nullptr) {
        return static_cast<char*>(calloc(1, 1));
    }
    size_t n = strlen(text);
    char* out = static_cast<char*>(malloc(n + 1));
    memcpy(out, text, n + 1);
    delete[] text;
    return out;
}

words_box box_at(const tesseract::ResultIterator& it, tesseract::PageIteratorLevel level) {
    words_box b{};
    b.text = take(it.GetUTF8Text(level));
    b.conf = it.Confidence(level);
    it.BoundingBox(level, &b.x1, &b.y1, &b.x2, &b.y2);
    return b;
}

// choices_at returns the alternatives Tesseract's LSTM kept for the
// symbol at it (lstm_choice_mode), one "text\tconfidence" a line, or NULL
// when it kept none.
char* choices_at(const tesseract::ResultIterator& it) {
    std::string out;
    tesseract::ChoiceIterator c(it);
    do {
        const char* t = c.GetUTF8Text();
        if (t == nullptr) {
            continue;
        }
        char conf[32];
        snprintf(conf, sizeof conf, "\t%.3f\n", c.Confidence());
        out += t;
        out += conf;
    } while (c.Next());
    if (out.empty()) {
        return nullptr;
    }
    char* s = static_cast<char*>(malloc(out.size() + 1));
    memcpy(s, out.c_str(), out.size() + 1);
    return s;
}

template <typename T>
T* copy_out(const std::vector<T>& v) {
    T* out = static_cast<T*>(malloc(sizeof(T) * (v.empty() ? 1 : v.size())));
    if (!v.empty()) {
        memcpy(out, v.data(), sizeof(T) * v.size());
    }
    return out;
}

}  // namespace

extern "C" {

// words_read recognises an 8-bit gray image on api, a TessBaseAPI already
// initialised with its languages and variables (a gosseract client's),
// once, and walks the result as gosseract's GetBoundingBoxes at the
// text-line level does (each line's text, confidence and box), with each
// line's words, and each word's characters (Tesseract's symbols), text,
// confidence and box (and alternatives, when api's lstm_choice_mode is
// set), read by copies of the iterator.
// The image is set as gosseract sets one (a resolution below 70 is taken
// as 70; user_defined_dpi, a variable, overrides it). It returns 0, or -1
// when Tesseract could not recognise the page. words_free releases out.
int words_read(void* api, const unsigned char* pix, int width, int height, int stride, words_page* out) {
    tesseract::TessBaseAPI* a = static_cast<tesseract::TessBaseAPI*>(api);
    memset(out, 0, sizeof(*out));
    a->SetImage(pix, width, height, 1, stride);
    if (a->GetSourceYResolution() < 70) {
        a->SetSourceResolution(70);
    }
    if (a->Recognize(nullptr) != 0) {
        return -1;
    }
    // The alternatives of each symbol when the engine keeps them.
    int choices = 0;
    a->GetIntVariable("lstm_choice_mode", &choices);
    std::vector<words_box> lines, words, chars;
    std::vector<int> first, count, first_char, char_count;
    tesseract::ResultIterator* it = a->GetIterator();
    if (it != nullptr) {
        do {
            lines.push_back(box_at(*it, tesseract::RIL_TEXTLINE));
            first.push_back(static_cast<int>(words.size()));
            tesseract::ResultIterator w(*it);
            if (!w.Empty(tesseract::RIL_WORD)) {
                do {
                    words.push_back(box_at(w, tesseract::RIL_WORD));
                    first_char.push_back(static_cast<int>(chars.size()));
                    tesseract::ResultIterator s(w);
                    do {
                        chars.push_back(box_at(s, tesseract::RIL_SYMBOL));
                        if (choices) {
                            chars.back().choices = choices_at(s);
                        }
                    } while (s.Next(tesseract::RIL_SYMBOL) && !s.IsAtBeginningOf(tesseract::RIL_WORD));
                    char_count.push_back(static_cast<int>(chars.size()) - first_char.back());
                } while (w.Next(tesseract::RIL_WORD) && !w.IsAtBeginningOf(tesseract::RIL_TEXTLINE));
            }
            count.push_back(static_cast<int>(words.size()) - first.back());
        } while (it->Next(tesseract::RIL_TEXTLINE));
        delete it;
    }
    out->lines = copy_out(lines);
    out->first_word = copy_out(first);
    out->n_words = copy_out(count);
    out->n_lines = static_cast<int>(lines.size());
    out->words = copy_out(words);
    out->first_char = copy_out(first_char);
    out->n_chars = copy_out(char_count);
    out->n_all_words = static_cast<int>(words.size());
    out->chars = copy_out(chars);
    out->n_all_chars = static_cast<int>(chars.size());
    return 0;
}

void words_free(words_page* page) {
    for (int i = 0; i < page->n_lines; i++) {
        free(page->lines[i].text);
    }
    for (int i = 0; i < page->n_all_words; i++) {
        free(page->words[i].text);
    }
    for (int i = 0; i < page->n_all_chars; i++) {
        free(page->chars[i].text);
        free(page->chars[i].choices);
    }
    free(page->lines);
    free(page->first_word);
    free(page->n_words);
    free(page->words);
    free(page->first_char);
    free(page->n_chars);
    free(page->chars);
    memset(page, 0, sizeof(*page));
}

}
