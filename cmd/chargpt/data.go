package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Packages are the directories under $GOROOT/src whose non-test .go files
// make the corpus (bench/chargpt_ref.py reads the same list).
var Packages = []string{
	"bufio", "bytes", "container/heap", "container/list", "encoding/csv",
	"encoding/json", "errors", "flag", "fmt", "go/scanner", "go/token", "io",
	"math", "net/url", "path", "regexp/syntax", "sort", "strconv", "strings",
	"text/tabwriter", "text/template/parse", "time", "unicode/utf8",
}

// Corpus is the text split by file: every tenth file (in the sorted order
// of their paths relative to $GOROOT/src) is validation, the rest training.
type Corpus struct {
	Train, Val []byte
	Files      int
}

// LoadCorpus reads the corpus of the given packages from goroot.
func LoadCorpus(goroot string, packages []string) (*Corpus, error) {
	var files []string
	for _, p := range packages {
		dir := filepath.Join(goroot, "src", filepath.FromSlash(p))
		ents, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("reading package %s: %w (is GOROOT %s a Go installation with sources?)", p, err, goroot)
		}
		for _, e := range ents {
			n := e.Name()
			if e.Type().IsRegular() && strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
				files = append(files, p+"/"+n)
			}
		}
	}
	slices.Sort(files)
	c := &Corpus{Files: len(files)}
	for i, f := range files {
		b, err := os.ReadFile(filepath.Join(goroot, "src", filepath.FromSlash(f)))
		if err != nil {
			return nil, err
		}
		if i%10 == 9 {
			c.Val = append(c.Val, b...)
		} else {
			c.Train = append(c.Train, b...)
		}
	}
	if len(c.Val) == 0 || len(c.Train) == 0 {
		return nil, fmt.Errorf("corpus of %d files has no validation or no training text", len(files))
	}
	return c, nil
}

// Vocab maps bytes to ids: the distinct bytes of the whole corpus, sorted.
type Vocab struct {
	Bytes []byte   // id → byte
	ID    [256]int // byte → id, −1 when absent
}

// NewVocab returns the vocabulary of texts.
func NewVocab(texts ...[]byte) *Vocab {
	var seen [256]bool
	for _, t := range texts {
		for _, b := range t {
			seen[b] = true
		}
	}
	v := &Vocab{}
	for b := range 256 {
		v.ID[b] = -1
		if seen[b] {
			v.ID[b] = len(v.Bytes)
			v.Bytes = append(v.Bytes, byte(b))
		}
	}
	return v
}

// Encode maps text to ids; bytes outside the vocabulary are an error.
func (v *Vocab) Encode(text []byte) ([]int32, error) {
	out := make([]int32, len(text))
	for i, b := range text {
		if v.ID[b] < 0 {
			return nil, fmt.Errorf("byte %q (position %d) is not in the vocabulary", b, i)
		}
		out[i] = int32(v.ID[b])
	}
	return out, nil
}
