package web

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// apiError is an error with the HTTP status it is answered with.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func errorf(status int, format string, a ...any) *apiError {
	return &apiError{status: status, msg: fmt.Sprintf(format, a...)}
}

// writeJSON answers v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// errorBody is every error's JSON: {"error": "..."}.
type errorBody struct {
	Error string `json:"error"`
}

// writeError answers err as {"error": "..."}; errors that are not apiErrors are 500s.
func writeError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	if ae, ok := err.(*apiError); ok {
		status = ae.status
	}
	writeJSON(w, status, errorBody{err.Error()})
}
