package ocr

// MeanConfidence is meanConfidence for the external tests: a page's
// confidence as the second model's page floor takes it.
var MeanConfidence = meanConfidence

// NameCrop is nameCrop for the external tests and benchmarks.
var NameCrop = nameCrop
