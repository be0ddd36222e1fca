package tide

// ClampLimit keeps a page size between 1 and 500, 50 by default, so every list
// is paged.
func ClampLimit(n int) int {
	switch {
	case n <= 0:
		return 50
	case n > 500:
		return 500
	}
	return n
}
