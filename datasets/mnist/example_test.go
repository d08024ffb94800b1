package mnist_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"log"

	"github.com/vktensor/vktensor/datasets/mnist"
)

// Loading the MNIST copy shipped in the GoMNIST module, checking it is the
// 28×28 set, and normalizing it for a model.
func Example() {
	dir, err := mnist.DefaultDir()
	if err != nil {
		log.Fatal(err) // says how to fetch the data module
	}
	ds, err := mnist.Load(dir)
	if err != nil {
		log.Fatal(err)
	}
	if err := ds.Check(28, 28); err != nil {
		log.Fatal(err)
	}
	train, test := ds.Normalized(mnist.Mean, mnist.Std)
	fmt.Println(ds.Train.Images.N, ds.Test.Images.N, len(train)/784, len(test)/784)
}

// Reading IDX images from any reader: here two 2×2 images built in memory.
func ExampleReadImages() {
	var b bytes.Buffer
	for _, w := range []uint32{mnist.ImagesMagic, 2, 2, 2} {
		binary.Write(&b, binary.BigEndian, w)
	}
	b.Write([]byte{0, 255, 128, 0, 255, 255, 0, 0})
	im, err := mnist.ReadImages(&b, "in-memory")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(im.N, im.Rows, im.Cols, im.Image(1))
	fmt.Printf("%.4f\n", im.Normalized(mnist.Mean, mnist.Std)[1])
	// Output:
	// 2 2 2 [255 255 0 0]
	// 2.8215
}
