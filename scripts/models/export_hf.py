"""Exports small HuggingFace transformers models to ONNX the way users do (torch.onnx.export).

Random weights from configs (no hub downloads), seeded; fixed shapes: batch 1, sequence 16 (ViT: one
3x32x32 image). Both exporters: torch's default (dynamo=True) and TorchScript (dynamo=False, opset 17).
Inputs are what users pass: input_ids (+ attention_mask) as int64, pixel_values as float32.

    python scripts/models/export_hf.py OUT_DIR [--only NAME,...] [--exporters dynamo,torchscript] [--tiny] [--dynamic]

--dynamic: the text models also with dynamic batch and sequence axes (as HF's export docs do), files NAME-dyn.*;
    the manifest gives the --dim they convert with (convert_dims).

--tiny: hidden size 16, one layer, vocabulary 64, sequence 8: the test fixtures, e.g.
    python scripts/models/export_hf.py test/fixtures/hf --tiny --only bert-seqcls.dynamo,gpt2-lm.torchscript,llama-lm.torchscript

Writes OUT_DIR/<name>.<exporter>.onnx and OUT_DIR/manifest.json (versions, models, inputs, failures).
Needs torch, transformers, onnx, onnxscript (a scratch venv: pip install torch transformers onnx onnxscript).
"""
import argparse
import json
import os
import sys
import traceback
import warnings

import torch

warnings.filterwarnings("ignore")

SEQ = 16
VOCAB = 1000
SMALL = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=2, intermediate_size=128)


class LogitsOnly(torch.nn.Module):
    """Returns the model's first output tensor only (users export logits / last_hidden_state)."""

    def __init__(self, model, field):
        super().__init__()
        self.model = model
        self.field = field

    def forward(self, *args):
        names = self.names
        out = self.model(**dict(zip(names, args)))
        return getattr(out, self.field)


def text_inputs(mask=True):
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(0, VOCAB, (1, SEQ), generator=g, dtype=torch.int64)
    feeds = {"input_ids": ids}
    if mask:
        feeds["attention_mask"] = torch.ones(1, SEQ, dtype=torch.int64)
    return feeds


def build(name):
    """(module, inputs dict, output field, what it is)."""
    import transformers as tr

    if name == "bert-seqcls":
        cfg = tr.BertConfig(vocab_size=VOCAB, num_labels=3, **SMALL)
        return tr.BertForSequenceClassification(cfg), text_inputs(), "logits", "BertForSequenceClassification"
    if name == "distilbert-seqcls":
        cfg = tr.DistilBertConfig(vocab_size=VOCAB, dim=64, n_layers=2, n_heads=2, hidden_dim=128, num_labels=3)
        return tr.DistilBertForSequenceClassification(cfg), text_inputs(), "logits", "DistilBertForSequenceClassification"
    if name == "gpt2-lm":
        cfg = tr.GPT2Config(vocab_size=VOCAB, n_embd=SMALL["hidden_size"], n_layer=SMALL["num_hidden_layers"],
                            n_head=SMALL["num_attention_heads"], n_positions=64, use_cache=False)
        return tr.GPT2LMHeadModel(cfg), text_inputs(), "logits", "GPT2LMHeadModel (use_cache=False)"
    if name == "vit-imgcls":
        cfg = tr.ViTConfig(image_size=32, patch_size=8, num_channels=3, num_labels=3, **SMALL)
        g = torch.Generator().manual_seed(1)
        px = torch.randn(1, 3, 32, 32, generator=g)
        return tr.ViTForImageClassification(cfg), {"pixel_values": px}, "logits", "ViTForImageClassification"
    if name == "t5-encoder":
        cfg = tr.T5Config(vocab_size=VOCAB, d_model=64, d_kv=32, d_ff=128, num_layers=2, num_heads=2)
        return tr.T5EncoderModel(cfg), text_inputs(), "last_hidden_state", "T5EncoderModel"
    if name == "whisper-encoder":
        cfg = tr.WhisperConfig(vocab_size=VOCAB, d_model=64, encoder_layers=2, encoder_attention_heads=2,
                               decoder_layers=2, decoder_attention_heads=2, encoder_ffn_dim=128, decoder_ffn_dim=128,
                               num_mel_bins=16, max_source_positions=16, pad_token_id=0,
                               bos_token_id=1, eos_token_id=2, decoder_start_token_id=1)
        g = torch.Generator().manual_seed(1)
        feats = torch.randn(1, 16, 32, generator=g)  # mel bins x 2 * max_source_positions frames (conv stride 2)
        return tr.models.whisper.modeling_whisper.WhisperEncoder(cfg), {"input_features": feats}, "last_hidden_state", "WhisperEncoder"
    if name == "roberta-seqcls":
        cfg = tr.RobertaConfig(vocab_size=VOCAB, num_labels=3, max_position_embeddings=64, pad_token_id=1, **SMALL)
        return tr.RobertaForSequenceClassification(cfg), text_inputs(), "logits", "RobertaForSequenceClassification"
    if name == "llama-lm":
        cfg = tr.LlamaConfig(vocab_size=VOCAB, num_key_value_heads=1, max_position_embeddings=64, use_cache=False, **SMALL)
        return tr.LlamaForCausalLM(cfg), text_inputs(), "logits", "LlamaForCausalLM (use_cache=False, grouped KV heads)"
    if name == "wav2vec2-ctc":
        cfg = tr.Wav2Vec2Config(vocab_size=32, conv_dim=(32, 32), conv_stride=(5, 2), conv_kernel=(10, 3), num_conv_pos_embeddings=16,
                                num_conv_pos_embedding_groups=4, **SMALL)
        g = torch.Generator().manual_seed(1)
        return tr.Wav2Vec2ForCTC(cfg), {"input_values": torch.randn(1, 400, generator=g)}, "logits", "Wav2Vec2ForCTC"
    if name == "convnext-imgcls":
        cfg = tr.ConvNextConfig(num_channels=3, num_stages=2, hidden_sizes=[16, 32], depths=[1, 1], num_labels=3, image_size=32)
        g = torch.Generator().manual_seed(1)
        return tr.ConvNextForImageClassification(cfg), {"pixel_values": torch.randn(1, 3, 32, 32, generator=g)}, "logits", "ConvNextForImageClassification"
    if name == "swin-imgcls":
        cfg = tr.SwinConfig(image_size=32, patch_size=2, embed_dim=16, depths=[1, 1], num_heads=[2, 2], window_size=4, num_labels=3)
        g = torch.Generator().manual_seed(1)
        return tr.SwinForImageClassification(cfg), {"pixel_values": torch.randn(1, 3, 32, 32, generator=g)}, "logits", "SwinForImageClassification"
    if name == "qwen2-lm":
        cfg = tr.Qwen2Config(vocab_size=VOCAB, num_key_value_heads=1, max_position_embeddings=64, use_cache=False, **SMALL)
        return tr.Qwen2ForCausalLM(cfg), text_inputs(), "logits", "Qwen2ForCausalLM (use_cache=False)"
    if name == "opt-lm":
        cfg = tr.OPTConfig(vocab_size=VOCAB, hidden_size=SMALL["hidden_size"], num_hidden_layers=SMALL["num_hidden_layers"],
                           num_attention_heads=SMALL["num_attention_heads"], ffn_dim=SMALL["intermediate_size"],
                           word_embed_proj_dim=SMALL["hidden_size"], max_position_embeddings=64, use_cache=False, pad_token_id=1)
        return tr.OPTForCausalLM(cfg), text_inputs(), "logits", "OPTForCausalLM (use_cache=False)"
    if name == "deberta-seqcls":
        cfg = tr.DebertaV2Config(vocab_size=VOCAB, num_labels=3, max_position_embeddings=64, **SMALL)
        return tr.DebertaV2ForSequenceClassification(cfg), text_inputs(), "logits", "DebertaV2ForSequenceClassification"
    if name == "clip-text":
        # end-of-text inside the vocabulary (the default, 49407, is not): the pooled position is ArgMax(ids == eos),
        # which then depends on the ids (not eos 2: that is HF's legacy ArgMax of the ids themselves)
        cfg = tr.CLIPTextConfig(vocab_size=VOCAB, max_position_embeddings=64, eos_token_id=VOCAB - 1, bos_token_id=VOCAB - 2, pad_token_id=1,
                                **SMALL)
        return tr.CLIPTextModel(cfg), text_inputs(), "pooler_output", "CLIPTextModel (pooled output)"
    if name == "beit-imgcls":
        cfg = tr.BeitConfig(image_size=32, patch_size=8, num_labels=3, use_relative_position_bias=True, **SMALL)
        g = torch.Generator().manual_seed(1)
        return tr.BeitForImageClassification(cfg), {"pixel_values": torch.randn(1, 3, 32, 32, generator=g)}, "logits", "BeitForImageClassification"
    if name == "mobilevit-imgcls":
        # initializer_range 0.3: with the default 0.02 the activations vanish and the logits are exactly 0
        cfg = tr.MobileViTConfig(image_size=64, num_labels=3, initializer_range=0.3, hidden_sizes=[16, 24, 32], neck_hidden_sizes=[8, 8, 16, 16, 24, 32, 64])
        g = torch.Generator().manual_seed(1)
        return tr.MobileViTForImageClassification(cfg), {"pixel_values": torch.randn(1, 3, 64, 64, generator=g)}, "logits", "MobileViTForImageClassification"
    if name == "segformer-seg":
        cfg = tr.SegformerConfig(num_encoder_blocks=2, depths=[1, 1], sr_ratios=[2, 1], hidden_sizes=[16, 32], patch_sizes=[7, 3], strides=[4, 2],
                                 num_attention_heads=[1, 2], mlp_ratios=[2, 2], decoder_hidden_size=32, num_labels=3)
        g = torch.Generator().manual_seed(1)
        return tr.SegformerForSemanticSegmentation(cfg), {"pixel_values": torch.randn(1, 3, 32, 32, generator=g)}, "logits", "SegformerForSemanticSegmentation"
    raise SystemExit(f"unknown model {name}")


TEXT = ["bert-seqcls", "distilbert-seqcls", "roberta-seqcls", "gpt2-lm", "llama-lm", "t5-encoder", "qwen2-lm", "opt-lm", "deberta-seqcls",
        "clip-text"]
MODELS = ["bert-seqcls", "distilbert-seqcls", "roberta-seqcls", "gpt2-lm", "llama-lm", "t5-encoder", "vit-imgcls", "convnext-imgcls",
          "swin-imgcls", "whisper-encoder", "wav2vec2-ctc", "qwen2-lm", "opt-lm", "deberta-seqcls", "clip-text", "beit-imgcls",
          "mobilevit-imgcls", "segformer-seg"]


def export(name, exporter, out_dir, dynamic=False):
    """dynamic: text inputs with a dynamic batch and sequence (the axes HF's export docs name), fixed otherwise."""
    torch.manual_seed(0)
    model, feeds, field, what = build(name)
    model.eval()
    wrapped = LogitsOnly(model, field).eval()
    wrapped.names = list(feeds)
    args = tuple(feeds.values())
    tag = f"{name}-dyn" if dynamic else name
    path = os.path.join(out_dir, f"{tag}.{exporter}.onnx")
    with torch.no_grad():
        if exporter == "dynamo":
            kw = {}
            if dynamic:
                batch, seq = torch.export.Dim("batch"), torch.export.Dim("sequence", min=2, max=64)
                # forward(*args): one spec per positional input, nested in the tuple for *args
                kw["dynamic_shapes"] = (tuple({0: batch, 1: seq} for _ in feeds),)
            prog = torch.onnx.export(wrapped, args, input_names=list(feeds), output_names=[field], dynamo=True, **kw)
            prog.save(path)
        else:
            kw = {"dynamic_axes": {**{k: {0: "batch", 1: "sequence"} for k in feeds}, field: {0: "batch"}}} if dynamic else {}
            torch.onnx.export(wrapped, args, path, input_names=list(feeds), output_names=[field],
                              dynamo=False, opset_version=17, **kw)
    return {
        "name": tag, "exporter": exporter, "class": what, "file": os.path.basename(path),
        **({"convert_dims": f"sequence={SEQ}"} if dynamic else {}),
        "inputs": {k: {"dtype": str(v.dtype).replace("torch.", ""), "shape": list(v.shape)} for k, v in feeds.items()},
        "output": field, "params": sum(p.numel() for p in model.parameters()), "bytes": os.path.getsize(path),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--only", default=",".join(MODELS))
    ap.add_argument("--exporters", default="dynamo,torchscript")
    ap.add_argument("--tiny", action="store_true")
    ap.add_argument("--dynamic", action="store_true", help="also export the text models with dynamic batch and sequence axes")
    a = ap.parse_args()
    if a.tiny:
        global SEQ, VOCAB, SMALL
        SEQ, VOCAB = 8, 64
        SMALL = dict(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32)
    os.makedirs(a.out, exist_ok=True)
    import onnx
    import transformers

    manifest = {"versions": {"torch": torch.__version__, "transformers": transformers.__version__, "onnx": onnx.__version__,
                             "python": sys.version.split()[0]}, "seq": SEQ, "tiny": a.tiny, "models": [], "failures": []}
    try:
        import onnxscript
        manifest["versions"]["onnxscript"] = onnxscript.__version__
    except ImportError:
        pass
    for item in a.only.split(","):
        # NAME, or NAME.EXPORTER for one export of it
        name, _, one = item.partition(".")
        for exporter in [one] if one else a.exporters.split(","):
            try:
                manifest["models"].append(export(name, exporter, a.out))
                print(f"exported {name}.{exporter}", flush=True)
                if a.dynamic and name in TEXT:
                    manifest["models"].append(export(name, exporter, a.out, dynamic=True))
                    print(f"exported {name}-dyn.{exporter}", flush=True)
            except Exception as e:  # an export failure is a result too
                traceback.print_exc()
                manifest["failures"].append({"name": name, "exporter": exporter, "error": f"{type(e).__name__}: {e}"[:400]})
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
