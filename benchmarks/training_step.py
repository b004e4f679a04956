"""The engine's fine-tuning step (written out by benchmarks/TrainingStep.java), taken again in PyTorch.

    python3 benchmarks/training_step.py OUT_DIR [TIMED_RUNS]

Builds the BERT encoder from the same weights with torch.nn.functional (bert_reference.py: erf
GELU, layer norm, additive attention mask at the float32 minimum), pools as the base model does
(mean over the mask or the first token, then L2 normalisation), applies the same
head, and takes the same step: class-weighted cross-entropy, backward, global clipping to norm 1,
torch.optim.AdamW with no decay on biases and layer-norm gains. Prints how far the engine's loss,
gradients and updated weights are from PyTorch's, and both forward+backward times on one thread.
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from bert_reference import encode, is_decayed

torch.set_num_threads(1)  # with OPENBLAS_NUM_THREADS=1 from training-step.sh
out = sys.argv[1]
timed_runs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
with open(os.path.join(out, "step.json")) as f:
    step = json.load(f)


def load(kind, role):
    values = np.fromfile(os.path.join(out, kind, role + ".f32"), dtype="<f4")
    return torch.from_numpy(values.reshape(step["shapes"][role]).copy())


roles = list(step["shapes"])
params = {role: load("base", role).requires_grad_(True) for role in roles}
ids = torch.tensor(step["tokenIds"], dtype=torch.long)
mask = torch.tensor(step["attentionMask"], dtype=torch.long)
types = torch.tensor(step["tokenTypes"], dtype=torch.long)
labels = torch.tensor(step["labels"], dtype=torch.long)
class_weights = torch.tensor(step["classWeights"], dtype=torch.float32)
eps = step["layerNormEpsilon"]
head_size = step["headSize"]


def forward():
    pooled = encode(params, ids, mask, types, step["layers"], head_size, eps, step["pooling"])
    embedding = F.normalize(pooled, p=2, dim=1, eps=1e-12)
    logits = embedding @ params["head.weight"] + params["head.bias"]
    return F.cross_entropy(logits, labels, weight=class_weights)


def relative(a, b):
    return (a - b).norm().item() / max(b.norm().item(), 1e-30)


loss = forward()
loss.backward()
gradients = {role: params[role].grad.detach().clone() for role in roles}
norm = torch.sqrt(sum((g.double() ** 2).sum() for g in gradients.values())).item()
torch.nn.utils.clip_grad_norm_(list(params.values()), step["maxGradientNorm"])
decayed = [params[r] for r in roles if is_decayed(r)]
undecayed = [params[r] for r in roles if not is_decayed(r)]
optimizer = torch.optim.AdamW([{"params": decayed, "weight_decay": step["weightDecay"]},
                               {"params": undecayed, "weight_decay": 0.0}],
                              lr=step["learningRate"], betas=(0.9, 0.999), eps=1e-8)
optimizer.step()

print(f"PyTorch {torch.__version__}: batch {ids.shape[0]} x {ids.shape[1]} tokens, loss {loss.item():.6f}, "
      f"gradient norm {norm:.6f}")
print(f"engine loss {step['loss']:.6f} (difference {abs(step['loss'] - loss.item()):.2e}), "
      f"gradient norm {step['gradientNorm']:.6f} (relative difference {abs(step['gradientNorm'] - norm) / norm:.2e})")

# A key bias has no gradient in exact arithmetic (softmax ignores a constant added to a query's
# scores); both sides hold rounding noise there, compared against the global norm instead.
negligible = 1e-6 * norm
worst_gradient = (0.0, None)
worst_update = (0.0, None)
worst_element = 0.0
noise = 0.0
for role in roles:
    engine_gradient = load("gradient", role)
    if gradients[role].norm().item() < negligible:
        noise = max(noise, engine_gradient.norm().item(), gradients[role].norm().item())
        continue
    worst_gradient = max(worst_gradient, (relative(engine_gradient, gradients[role]), role))
    base = load("base", role)
    engine_update = load("updated", role) - base
    torch_update = params[role].detach() - base
    worst_update = max(worst_update, (relative(engine_update, torch_update), role))
    # Adam's first step is about ±learning rate whatever the gradient's size, except where the
    # gradient is below its epsilon: there the two sides' last-digit differences show most.
    worst_element = max(worst_element, (load("updated", role) - params[role].detach()).abs().max().item() / step["learningRate"])
all_engine = torch.cat([load("gradient", r).flatten() for r in roles])
all_torch = torch.cat([gradients[r].flatten() for r in roles])
print(f"gradients: all weights together {relative(all_engine, all_torch):.2e} relative L2 difference; "
      f"worst single weight {worst_gradient[0]:.2e} ({worst_gradient[1]})")
print(f"weights with no gradient in theory (key biases): gradient norm at most {noise:.1e} on either side "
      f"({noise / norm:.1e} of the global norm)")
print(f"updates after one AdamW step: worst single weight {worst_update[0]:.2e} relative L2 difference "
      f"({worst_update[1]}); largest difference in one element {worst_element:.1%} of the learning rate")

times = []
for _ in range(timed_runs):
    for p in params.values():
        p.grad = None
    began = time.perf_counter()
    forward().backward()
    times.append((time.perf_counter() - began) * 1000)
times.sort()
engine_times = sorted(step["forwardBackwardMillis"])
if times and engine_times:
    print(f"forward+backward, one thread, median of {len(times)}: PyTorch {times[len(times) // 2]:.1f} ms, "
          f"engine {engine_times[len(engine_times) // 2]:.1f} ms")
