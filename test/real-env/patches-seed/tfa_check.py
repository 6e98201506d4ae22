"""Checks what the tensorflow-addons patches claim, with whatever Keras tf.keras is in this process
(Keras 3, or tf_keras when TF_USE_LEGACY_KERAS=1). Prints one JSON line."""
import json
import warnings

warnings.filterwarnings("ignore")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_addons as tfa  # noqa: E402
from tensorflow_addons.utils import keras_utils, types  # noqa: E402
from typeguard import check_type  # noqa: E402

out = {"keras": tf.keras.layers.Layer.__module__.split(".")[0]}

# tfa-keras3-keras-tensor: TensorLike must accept the symbolic tensor tf.keras really makes
symbolic = tf.keras.Input(shape=(3,))
out["keras_tensor_class"] = f"{type(symbolic).__module__}.{type(symbolic).__name__}"
out["types_uses_that_class"] = types.keras_tensor.KerasTensor is type(symbolic)
try:
    check_type("x", symbolic, types.TensorLike)
    out["tensorlike_accepts_keras_tensor"] = True
except TypeError:
    out["tensorlike_accepts_keras_tensor"] = False
try:  # the seed users' choice: importable on TF 2.20, but is it the class tf.keras makes?
    from tensorflow.python.keras.engine import keras_tensor as old_keras_tensor
    out["seed_choice_matches"] = isinstance(symbolic, old_keras_tensor.KerasTensor)
except ImportError:
    out["seed_choice_matches"] = None

# tfa-keras3-lazyadam-get-config: registered under Keras' registry; usable where a legacy Adam exists
out["lazyadam_registered"] = tf.keras.utils.get_registered_object("Addons>LazyAdam") is tfa.optimizers.LazyAdam
try:
    opt = tfa.optimizers.LazyAdam(learning_rate=0.1)
    var = tf.Variable(np.ones((4, 2), np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.gather(var, [1, 3]))
    opt.apply_gradients([(tape.gradient(loss, var), var)])
    rows_changed = np.flatnonzero(np.any(var.numpy() != 1.0, axis=1)).tolist()
    clone = tfa.optimizers.LazyAdam.from_config(opt.get_config())
    out["lazyadam"] = {"rows_changed": rows_changed, "config_round_trip": clone.get_config() == opt.get_config()}
except ImportError as err:  # Keras 3: legacy optimizers are stubs that raise on construction
    out["lazyadam"] = {"import_error": str(err)[:60]}

# tfa-keras3-abstract-rnn-cell: the cells run inside keras.layers.RNN exactly as stepped by hand
rng = np.random.default_rng(0)
x = rng.normal(size=(2, 5, 3)).astype(np.float32)


def as_list(state):  # keras.layers.RNN hands a cell its states as a list, even a single one
    return list(state) if isinstance(state, (list, tuple)) else [state]


def stepped(cell, x):
    state = as_list(cell.get_initial_state(batch_size=x.shape[0], dtype=tf.float32))
    ys = []
    for t in range(x.shape[1]):
        y, state = cell(x[:, t], state)
        state = as_list(state)
        ys.append(np.asarray(y))
    return np.stack(ys, axis=1)


out["abstract_rnn_cell_base"] = keras_utils.AbstractRNNCell.__module__.split(".")[0]
for name, make in [("NASCell", lambda: tfa.rnn.NASCell(4, projection=2)), ("ESNCell", lambda: tfa.rnn.ESNCell(4))]:
    cell = make()
    y = np.asarray(tf.keras.layers.RNN(cell, return_sequences=True)(x))
    out[name] = {"shape": list(y.shape), "max_abs_diff_vs_stepped": float(np.max(np.abs(y - stepped(cell, x))))}
# crf_decode runs CrfDecodeForwardRnnCell inside an RNN layer; viterbi_decode is tfa's numpy version
scores = rng.normal(size=(3, 6, 4)).astype(np.float32)
trans = rng.normal(size=(4, 4)).astype(np.float32)
tags, _ = tfa.text.crf_decode(scores, trans, np.array([6, 6, 6], np.int32))
out["crf_decode_matches_viterbi"] = bool(np.array_equal(np.asarray(tags), [tfa.text.viterbi_decode(s, trans)[0] for s in scores]))
print(json.dumps(out))
