package registry

// The shapes of ID numbers, indicator names and dates. They are checked by
// hand rather than by regular expressions: an import checks them for every
// member of a million households, and a regular expression costs several
// times as much.

// isIDNumber reports whether s is 4 to 32 ASCII letters and digits.
func isIDNumber(s string) bool {
	if len(s) < 4 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isDigit(c) && !('a' <= c && c <= 'z') && !('A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// isIndicatorName reports whether s is a lower-case snake_case name of at
// most 40 bytes that starts with a letter.
func isIndicatorName(s string) bool {
	if len(s) == 0 || len(s) > 40 || !('a' <= s[0] && s[0] <= 'z') {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isDigit(c) && !('a' <= c && c <= 'z') && c != '_' {
			return false
		}
	}
	return true
}

// isDateShape reports whether s is written YYYY-MM-DD; whether it is a real
// date is checked apart.
func isDateShape(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if i != 4 && i != 7 && !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
