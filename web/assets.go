package web

import (
	"embed"
	"io/fs"
	"net/http"
)

// assets are the page's files, embedded so that the binary serves them itself.
//
//go:embed assets
var assets embed.FS

// staticFS is assets/ as the root of /static/.
var staticFS, _ = fs.Sub(assets, "assets")

// assetHandler serves one embedded file.
func assetHandler(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, staticFS, name)
	})
}
