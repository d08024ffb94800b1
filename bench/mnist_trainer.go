package main

import (
	"fmt"
	"time"

	"github.com/vktensor/vktensor/datasets/mnist"
	"github.com/vktensor/vktensor/internal/trainer"
	"github.com/vktensor/vktensor/tensor"
)

func init() { mnistTrainer = trainEpochs }

// mnistData caches the data set read from disk between models and backends.
var mnistData *mnist.Dataset

// trainEpochs times training epochs of model on t with cmd/mnist-gpu's
// training loop (package internal/trainer): batch 256, SGD with momentum.
// Smoke runs train on 256 samples; CPU runs on 16384 samples (a full
// epoch of the CNN takes minutes on a small CPU); GPU runs on all 60000.
func trainEpochs(cfg config, t *target, model string) (int, stats, error) {
	if mnistData == nil {
		dir, err := mnist.DefaultDir()
		if err != nil {
			return 0, stats{}, err
		}
		if mnistData, err = mnist.Load(dir); err != nil {
			return 0, stats{}, err
		}
	}
	limit := 0
	switch {
	case cfg.quick:
		limit = 256
	case !t.gpu:
		limit = 16384
	}
	dev := tensor.On(t.be)
	data, err := trainer.Upload(dev, mnistData, limit)
	if err != nil {
		return 0, stats{}, err
	}
	tr, err := trainer.New(trainer.Config{Model: model, Epochs: 1, Batch: 256, LR: 0.05, Seed: 1, Limit: limit}, dev, data)
	if err != nil {
		return 0, stats{}, err
	}
	samples, epoch := 0, 0
	c := cfg
	c.reps = min(cfg.reps, 3) // epochs are long
	st, err := measure(c, func(inner int) (time.Duration, error) {
		var total time.Duration
		for range inner {
			e, err := tr.TrainEpoch(epoch)
			if err != nil {
				return 0, err
			}
			epoch++
			samples = e.Samples
			total += time.Duration(e.Seconds * float64(time.Second))
		}
		return total, nil
	})
	if err != nil {
		return 0, stats{}, fmt.Errorf("training: %w", err)
	}
	return samples, st, nil
}
