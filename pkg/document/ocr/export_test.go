package ocr

// MeanConfidence is meanConfidence for the external tests: a page's
// confidence as the second model's page floor takes it.
var MeanConfidence = meanConfidence

// NameCrop is nameCrop for the external tests and benchmarks.
var NameCrop = nameCrop

// ConfirmWithoutAround is confirmWithoutAround for the external tests.
var ConfirmWithoutAround = (*Pipeline).confirmWithoutAround

// TightNameCrop is tightNameCrop for the external tests.
var TightNameCrop = tightNameCrop

// RereadHeight is rereadHeight for the external tests.
const RereadHeight = rereadHeight

// RecogniseLine is recogniseLine for the external tests: the names'
// client's reading of one line.
var RecogniseLine = (*Pipeline).recogniseLine
