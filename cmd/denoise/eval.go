package main

import "errors"

func evalMain(args []string) error {
	return usageError{errors.New("eval: not available yet")}
}
