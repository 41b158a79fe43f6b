module claims.local/claimsctl

go 1.26.0

require (
	claims.local/pkg v0.0.0
	github.com/segmentio/kafka-go v0.4.51
)

require (
	github.com/google/uuid v1.6.0 // indirect
	github.com/klauspost/compress v1.20.1 // indirect
	github.com/pierrec/lz4/v4 v4.1.15 // indirect
	go.yaml.in/yaml/v3 v3.0.6 // indirect
)

replace claims.local/pkg => ../pkg
