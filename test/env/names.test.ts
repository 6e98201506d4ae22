import { describe, expect, it } from 'vitest';
import { importPackagesFromRecord, normalizeName } from '../../src/env/names.js';

describe('normalizeName (PEP 503)', () => {
  it('folds case and runs of - _ .', () => {
    expect(normalizeName('tf_keras')).toBe('tf-keras');
    expect(normalizeName('Onnx_TF')).toBe('onnx-tf');
    expect(normalizeName('zope.interface')).toBe('zope-interface');
    expect(normalizeName('a__-.b')).toBe('a-b');
  });
});

describe('importPackagesFromRecord', () => {
  it('takes the first component of code paths and leaves metadata, scripts and data out', () => {
    expect(importPackagesFromRecord([
      'tensorflow/__init__.py',
      'tensorflow/include/external/x.h',
      'tensorflow-2.20.0.dist-info/METADATA',
      'tensorflow-2.20.0.data/purelib/x.py',
      '../../../bin/tflite_convert',
      '__pycache__/six.cpython-311.pyc',
      'six.py',
      '_cffi_backend.cpython-311-x86_64-linux-gnu.so',
      'typing_extensions.pyi',
      'share/doc/readme.txt',
      'numpy.libs/libgfortran.so.5',
    ])).toEqual(['_cffi_backend', 'six', 'tensorflow', 'typing_extensions']);
  });
});
