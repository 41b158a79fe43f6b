module claims.local/claimsctl

go 1.26.0

require claims.local/pkg v0.0.0

replace claims.local/pkg => ../pkg
