import { describe, expect, it } from 'vitest';
import { parseInstalledFiles, parseRecord } from '../../src/env/record.js';

describe('parseRecord', () => {
  it('takes the path column, unquoting CSV where needed', () => {
    expect(parseRecord([
      'six.py,sha256=ztSi-iyXxvyDwYJ9KQVsaq5ghGxLtpsG9ZmZEi0ZWzw,34549',
      'six-1.16.0.dist-info/RECORD,,',
      '"odd_pkg/data,with,commas.py",sha256=-qW0gWgAuMvhWV5VM_42xT85bAwmo6h23T5AhSMjSKE,10',
      '"odd_pkg/say ""hi"".py",,',
      '../../../bin/onnx-tf,sha256=54ZuIzzNleORoiv6IJZIaf9_MSNvjVG8p6GDkZcZNl8,252',
      '',
    ].join('\r\n'))).toEqual(['six.py', 'six-1.16.0.dist-info/RECORD', 'odd_pkg/data,with,commas.py', 'odd_pkg/say "hi".py', '../../../bin/onnx-tf']);
  });
});

describe('parseInstalledFiles', () => {
  it('makes egg-info relative paths relative to the site dir', () => {
    expect(parseInstalledFiles('../legacy_pkg/__init__.py\nPKG-INFO\n', 'legacy_pkg-0.3-py3.11.egg-info'))
      .toEqual(['legacy_pkg/__init__.py', 'legacy_pkg-0.3-py3.11.egg-info/PKG-INFO']);
  });
});
