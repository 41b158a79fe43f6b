#ifndef CLAIMS_WORDSBRIDGE_H
#define CLAIMS_WORDSBRIDGE_H
#ifdef __cplusplus
extern "C" {
#endif

// words_box is a line or a word of a recognised page: its text (UTF-8,
// malloc'd), Tesseract's confidence (0 to 100) and its box.
typedef struct {
    char* text;
    float conf;
    int x1, y1, x2, y2;
    // choices, for a symbol when the engine's lstm_choice_mode is set, are
    // Tesseract's alternatives for it (ChoiceIterator), each its text, a
    // tab and its confidence, one a line (malloc'd; NULL otherwise).
    char* choices;
} words_box;

// words_page is what words_read gives: the page's text lines in
// Tesseract's order; for line i its words first_word[i] to
// first_word[i] + n_words[i] - 1 of words, and for word j its characters
// (Tesseract's symbols) first_char[j] to first_char[j] + n_chars[j] - 1 of
// chars.
typedef struct {
    words_box* lines;
    int* first_word;
    int* n_words;
    int n_lines;
    words_box* words;
    int* first_char;
    int* n_chars;
    int n_all_words;
    words_box* chars;
    int n_all_chars;
} words_page;

int words_read(void* api, const unsigned char* pix, int width, int height, int stride, words_page* out);
void words_free(words_page* page);

#ifdef __cplusplus
}
#endif
#endif
