"""onnx2tf (1.29.24, utils/common_functions.py download_test_image_data) fetches
calibration_image_sample_data_20x128x128x3_float32.npy from github.com on every conversion of a model whose
inputs are 4-D with 3 channels, unless the file is in the current folder; it feeds onnx2tf's own ONNX-vs-TF
dummy inference. This machine reaches PyPI only, so the test writes a stand-in there: 20 seeded images,
uniform in [0, 1), the same shape and dtype.
usage: python onnx2tf_sample_data.py DIR"""
import os
import sys

import numpy as np

FILE_NAME = "calibration_image_sample_data_20x128x128x3_float32.npy"
data = np.random.default_rng(20).random((20, 128, 128, 3), dtype=np.float32)
np.save(os.path.join(sys.argv[1], FILE_NAME), data)
print(FILE_NAME)
