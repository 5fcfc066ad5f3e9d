package web

import (
	"bytes"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"
)

// pageTemplate is assets/index.html, parsed once: the page with its mode list filled in
// on the server, so that it is complete before (or without) any script.
var pageTemplate = template.Must(template.New("index.html").
	Funcs(template.FuncMap{"join": strings.Join}).
	ParseFS(assets, "assets/index.html"))

// pageData is what index.html is executed with.
type pageData struct {
	Modes   []modeInfo // as GET /api/modes lists them
	Default modeInfo   // the mode selected at first
}

// Shows reports whether the default mode reads param, so that its field is shown at first.
func (d pageData) Shows(param string) bool { return slices.Contains(d.Default.Params, param) }

// renderPage executes the page for a server's modes.
func renderPage(list []modeInfo) ([]byte, error) {
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, pageData{Modes: list, Default: defaultMode(list)}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// pageHandler serves the rendered page.
func pageHandler(page []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(page))
	})
}
