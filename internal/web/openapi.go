package web

import _ "embed"

// openAPIDocument describes every /api/v1 route; TestOpenAPICoversRoutes fails
// when a registered route is missing from it.
//
//go:embed openapi.json
var openAPIDocument []byte
