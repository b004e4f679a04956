"""Full fine-tuning in PyTorch with the textbook recipe, on the rows benchmarks/FineTune.java uses.

    python3 benchmarks/reference_fine_tune.py DATA_DIR [--learning-rate 2e-5] [--epochs 3]
        [--batch-size 16] [--max-length 64] [--dropout 0.1] [--seed 42] [--normalize]

DATA_DIR is what benchmarks/ReferenceData.java wrote. The recipe is the usual one for a BERT
classifier, independent of the engine's choices: the encoder (bert_reference.py) with BERT's
dropout, the base model's pooling, dropout, then a linear head initialised at random (nn.Linear);
cross-entropy; AdamW (weight decay 0.01, none on biases and layer-norm gains), linear warm-up over
the first tenth of the steps then linear decay; gradients clipped to norm 1; batches padded to
their longest row. Each epoch is scored on the validation rows and the best one is tested. With
--normalize the pooled embedding is L2-normalised before the head, as the catalogue's sentence
models (and the engine) do. One thread. It answers whether a figure is the engine's or the
model's and data's: the same rows trained by the reference framework.
"""
import argparse
import json
import os
import time

import torch
import torch.nn.functional as F

from bert_reference import encode, is_decayed, load_weights

parser = argparse.ArgumentParser()
parser.add_argument("data")
parser.add_argument("--learning-rate", type=float, default=2e-5)
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--batch-size", type=int, default=16)
parser.add_argument("--max-length", type=int, default=64)
parser.add_argument("--dropout", type=float, default=0.1)
parser.add_argument("--seed", type=int, default=42)
parser.add_argument("--normalize", action="store_true")
args = parser.parse_args()

torch.set_num_threads(1)
torch.manual_seed(args.seed)
with open(os.path.join(args.data, "data.json")) as f:
    data = json.load(f)
params = load_weights(os.path.join(args.data, "weights"), data["shapes"])
hidden = params["embeddings.word"].shape[1]
classes = len(data["labels"])
head = torch.nn.Linear(hidden, classes)
params["head.weight"] = head.weight.detach().t().contiguous()
params["head.bias"] = head.bias.detach().clone()
for p in params.values():
    p.requires_grad_(True)


def batch_tensors(rows):
    """Token ids truncated to --max-length (the final [SEP] kept), padded to the longest row."""
    rows = [r if len(r) <= args.max_length else r[:args.max_length - 1] + r[-1:] for r in rows]
    length = max(len(r) for r in rows)
    ids = torch.zeros(len(rows), length, dtype=torch.long)
    mask = torch.zeros(len(rows), length, dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = torch.tensor(r)
        mask[i, :len(r)] = 1
    return ids, mask, torch.zeros_like(ids)


def logits(ids, mask, types, training):
    pooled = encode(params, ids, mask, types, data["layers"], data["headSize"], data["layerNormEpsilon"],
                    data["pooling"], args.dropout, training)
    if args.normalize:
        pooled = F.normalize(pooled, p=2, dim=1, eps=1e-12)
    return F.dropout(pooled, args.dropout, training) @ params["head.weight"] + params["head.bias"]


def accuracy(split):
    correct = 0
    with torch.no_grad():
        for start in range(0, len(split["ids"]), 64):
            ids, mask, types = batch_tensors(split["ids"][start:start + 64])
            predicted = logits(ids, mask, types, False).argmax(1)
            correct += (predicted == torch.tensor(split["labels"][start:start + 64])).sum().item()
    return correct / len(split["ids"])


train = data["train"]
n = len(train["ids"])
steps_per_epoch = (n + args.batch_size - 1) // args.batch_size
total = args.epochs * steps_per_epoch
warmup = max(1, total // 10)
roles = list(params)
optimizer = torch.optim.AdamW([{"params": [params[r] for r in roles if is_decayed(r)], "weight_decay": 0.01},
                               {"params": [params[r] for r in roles if not is_decayed(r)], "weight_decay": 0.0}],
                              lr=args.learning_rate, betas=(0.9, 0.999), eps=1e-8)
schedule = torch.optim.lr_scheduler.LambdaLR(
    optimizer, lambda s: (s + 1) / warmup if s + 1 <= warmup else max(0.0, (total - s) / (total - warmup + 1)))
print(f"PyTorch {torch.__version__}, one thread: {data['baseModel']}, {n} training rows, "
      f"{len(data['validation']['ids'])} validation, {len(data['test']['ids'])} test; {vars(args)}")
best = (-1.0, 0, None)
training_seconds = 0.0
for epoch in range(1, args.epochs + 1):
    order = torch.randperm(n).tolist()
    loss_sum = 0.0
    began = time.perf_counter()
    for start in range(0, n, args.batch_size):
        chosen = order[start:start + args.batch_size]
        ids, mask, types = batch_tensors([train["ids"][i] for i in chosen])
        loss = F.cross_entropy(logits(ids, mask, types, True), torch.tensor([train["labels"][i] for i in chosen]))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(params.values()), 1.0)
        optimizer.step()
        schedule.step()
        loss_sum += loss.item() * len(chosen)
    training_seconds += time.perf_counter() - began
    validation = accuracy(data["validation"])
    print(f"  epoch {epoch}/{args.epochs}: train loss {loss_sum / n:.4f}, validation accuracy {validation:.4f}",
          flush=True)
    if validation > best[0]:
        best = (validation, epoch, {r: p.detach().clone() for r, p in params.items()})
for role, value in best[2].items():
    params[role].data.copy_(value)
print(f"reference full fine-tuning: best epoch {best[1]}, {args.epochs * n / training_seconds:.2f} training samples/s; "
      f"test accuracy {accuracy(data['test']):.4f}")
