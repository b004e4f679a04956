"""The BERT encoder of the catalogue's base models in torch.nn.functional, from weights by role.

The reference formulation the engine is checked against: erf GELU, layer norm, additive
attention mask at the float32 minimum, then pooling as the base model does (mean over the mask or
the first token). Shared by training_step.py and reference_fine_tune.py.
"""
import os

import numpy as np
import torch
import torch.nn.functional as F


def load_weights(directory, shapes):
    """Little-endian float32 files, one per role, as written by the Java side."""
    weights = {}
    for role, shape in shapes.items():
        values = np.fromfile(os.path.join(directory, role + ".f32"), dtype="<f4")
        weights[role] = torch.from_numpy(values.reshape(shape).copy())
    return weights


def encode(params, ids, mask, types, layers, head_size, eps, pooling, dropout=0.0, training=False):
    """Pooled (not normalised) sentence embeddings [batch, hidden]. With dropout > 0 and training,
    BERT's dropout: after the embeddings, on the attention probabilities, and after both residual
    branches' output projections."""

    def layer_norm(x, role):
        return F.layer_norm(x, (x.shape[-1],), params[role + ".weight"], params[role + ".bias"], eps)

    def drop(x):
        return F.dropout(x, dropout, training) if dropout > 0 else x

    batch, length = ids.shape
    x = params["embeddings.word"][ids] + params["embeddings.tokenType"][types] \
        + params["embeddings.position"][:length].unsqueeze(0)
    x = drop(layer_norm(x, "embeddings.norm"))
    additive = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
    for layer in range(layers):
        r = f"layer.{layer}."
        heads = params[r + "query.weight"].shape[1] // head_size

        def split(t):
            return t.view(batch, length, heads, head_size).transpose(1, 2)

        q = split(x @ params[r + "query.weight"] + params[r + "query.bias"])
        k = split(x @ params[r + "key.weight"] + params[r + "key.bias"])
        v = split(x @ params[r + "value.weight"] + params[r + "value.bias"])
        attention = drop(torch.softmax(q @ k.transpose(-1, -2) / head_size ** 0.5 + additive, dim=-1))
        context = (attention @ v).transpose(1, 2).reshape(batch, length, heads * head_size)
        x = layer_norm(drop(context @ params[r + "attentionOutput.weight"] + params[r + "attentionOutput.bias"]) + x,
                       r + "attentionNorm")
        hidden = F.gelu(x @ params[r + "intermediate.weight"] + params[r + "intermediate.bias"])
        x = layer_norm(drop(hidden @ params[r + "output.weight"] + params[r + "output.bias"]) + x, r + "outputNorm")
    if pooling == "CLS":
        return x[:, 0]
    m = mask[:, :, None].float()
    return (x * m).sum(1) / m.sum(1).clamp(min=1e-12)


def is_decayed(role):
    """AdamW's weight decay spares biases and layer-norm gains, as the engine's does."""
    return not (role.endswith("bias") or "norm." in role.lower())
