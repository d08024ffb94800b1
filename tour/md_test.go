package tour_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// readExamples returns the source of the Example files.
func readExamples() ([]byte, error) {
	var all []byte
	for _, f := range []string{"tour_test.go", "linalg_test.go"} {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		all = append(all, b...)
	}
	return all, nil
}

// TestTourMatchesExamples checks that every Go code block of docs/tour.md
// is, line for line, the body of an Example in this package, so the tour
// shows only code that go test runs.
func TestTourMatchesExamples(t *testing.T) {
	md, err := os.ReadFile("../docs/tour.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := readExamples()
	if err != nil {
		t.Fatal(err)
	}
	// Example bodies, de-indented by one tab, without their Output.
	var bodies []string
	for _, m := range regexp.MustCompile(`(?s)func Example_\w+\(\) \{\n(.*?)\n\}\n`).FindAllStringSubmatch(string(src), -1) {
		body, _, _ := strings.Cut(m[1], "\t// Output:")
		var lines []string
		for _, l := range strings.Split(strings.TrimRight(body, "\n\t"), "\n") {
			lines = append(lines, strings.TrimPrefix(l, "\t"))
		}
		bodies = append(bodies, strings.Join(lines, "\n"))
	}
	blocks := regexp.MustCompile("(?s)```go\n(.*?)\n```").FindAllStringSubmatch(string(md), -1)
	if len(blocks) < 10 {
		t.Fatalf("docs/tour.md has %d Go blocks", len(blocks))
	}
	for i, b := range blocks {
		found := false
		for _, body := range bodies {
			if body == b[1] {
				found = true
			}
		}
		if !found {
			t.Errorf("Go block %d of docs/tour.md is not the body of an Example in tour_test.go:\n%s", i+1, b[1])
		}
	}
}
