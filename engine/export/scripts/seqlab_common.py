"""What every SeqLab experiment script shares: SeqLab's random numbers, its built-in text, its
models' initial weights, and the way it measures and prints. Written into each script by
`seqlab experiment NAME --export-torch FILE`, so that the script needs nothing but Python and
PyTorch; kept here once, in SeqLab's source (engine/export/scripts/seqlab_common.py).

  Random              SeqLab's seeded generator (mulberry32): seeds, batch positions
  tfjs_uniform/normal the draws of TensorFlow.js's tf.randomUniform / tf.randomNormal with a seed
                      (Alea, Marsaglia's polar method), which SeqLab initialises its weights with
  generate_corpus     SeqLab's built-in text (its own paragraphs, then a small seeded grammar)
  generate_chinese_news  SeqLab's generated Chinese news-like text (a seeded grammar of news sentences)
  CharLM              Embedding -> nn.LSTM / GRU / RNN (or stepped by hand) -> Linear, with
                      SeqLab's initial weights for a seed (PyTorch's initialisation, SeqLab's draws)
  train_run           SeqLab's training loop (seqlab train): its vocabulary, validation split,
                      batches, optimisers, clipping and stopping rules
  sample_text         a trained model's continuation of a prompt, drawn as `seqlab sample` draws it
  scaled_norm         a norm that stays right for tiny gradients (scaled before squaring)
"""
import argparse
import json
import math
import re
import sys
import unicodedata

import torch
from torch import nn


# --- SeqLab's random numbers ---------------------------------------------------------------

class Random:
    """SeqLab's seeded generator (mulberry32, engine/core/random.ts), bit for bit."""
    MASK = 0xFFFFFFFF

    def __init__(self, seed):
        self.state = seed & self.MASK

    def next(self):
        """Uniform in [0, 1)."""
        m = self.MASK
        self.state = (self.state + 0x6D2B79F5) & m
        t = self.state
        t = ((t ^ (t >> 15)) * (t | 1)) & m
        t ^= (t + (((t ^ (t >> 7)) * (t | 61)) & m)) & m
        return ((t ^ (t >> 14)) & m) / 4294967296

    def int(self, n):
        """An integer in [0, n)."""
        return math.floor(self.next() * n)

    def seed(self):
        """A 31-bit seed for a TensorFlow.js random op, as SeqLab hands them out."""
        return self.int(0x7FFFFFFF)

    def normal(self):
        """Box-Muller from two uniforms (SeqLab's float64 experiments)."""
        return math.sqrt(-2 * math.log(1 - self.next())) * math.cos(2 * math.pi * self.next())


def _mash():
    n = 0xEFC8249D

    def mash(data):
        nonlocal n
        for ch in str(data):
            n += ord(ch)
            h = 0.02519603282416938 * n
            n = int(h) % 4294967296
            h -= n
            h *= n
            n = int(h) % 4294967296
            h -= n
            n += h * 4294967296
        return (int(n) % 4294967296) * 2.3283064365386963e-10
    return mash


class Alea:
    """Baagoe's Alea, as the seedrandom package has it: TensorFlow.js's seeded generator."""

    def __init__(self, seed):
        mash = _mash()
        self.c = 1
        self.s0, self.s1, self.s2 = mash(" "), mash(" "), mash(" ")
        self.s0 -= mash(seed)
        if self.s0 < 0:
            self.s0 += 1
        self.s1 -= mash(seed)
        if self.s1 < 0:
            self.s1 += 1
        self.s2 -= mash(seed)
        if self.s2 < 0:
            self.s2 += 1

    def __call__(self):
        t = 2091639 * self.s0 + self.c * 2.3283064365386963e-10
        self.s0, self.s1 = self.s1, self.s2
        self.c = int(t)
        self.s2 = t - self.c
        return self.s2


def tfjs_uniform(shape, low, high, seed):
    """tf.randomUniform(shape, low, high, 'float32', seed): the same numbers."""
    draw = Alea(str(seed))
    n = math.prod(shape)
    return torch.tensor([low + (high - low) * draw() for _ in range(n)], dtype=torch.float32).reshape(shape)


def tfjs_normal(shape, mean, std, seed):
    """tf.randomNormal(shape, mean, std, 'float32', seed): Marsaglia's polar method on Alea, two values a draw."""
    draw = Alea(str(seed))
    n = math.prod(shape)
    values = []
    while len(values) < n:
        while True:
            v1, v2 = 2 * draw() - 1, 2 * draw() - 1
            s = v1 * v1 + v2 * v2
            if 0 < s < 1:
                break
        mul = math.sqrt(-2.0 * math.log(s) / s)
        values += [mean + std * v1 * mul, mean + std * v2 * mul]
    return torch.tensor(values[:n], dtype=torch.float32).reshape(shape)


# --- SeqLab's built-in text -----------------------------------------------------------------

DEMO_CORPUS = """A recurrent network reads a sequence one step at a time. At every step it takes the
next character and its own state from the step before, and it returns a new state.
The state is a vector of numbers: the memory of everything the network has read so far.
A plain recurrent network computes its new state as tanh of a weighted sum of the input
and the old state. Training it means sending the error back through every step, and at
every step the gradient is multiplied by the same weights and by the slope of tanh.
Over long spans the gradient shrinks towards zero, or grows without bound: the network
forgets what it read long ago, or its training explodes. Clipping the gradient stops
the explosion; it cannot bring back a gradient that has vanished.
The long short-term memory cell adds a second state, the cell state, and three gates.
The forget gate decides what to keep of the old cell state, the input gate decides what
to write, and the output gate decides what to show. The cell state runs through time
like a conveyor belt: it is only scaled by the forget gate and added to, so the gradient
can travel along it for many steps. When the forget gate starts open, the belt carries
the gradient further still.
The gated recurrent unit does the same work with two gates: the reset gate decides how
much of the old state feeds the new candidate, and the update gate mixes the candidate
with the old state. It has fewer weights than the long short-term memory cell and often
learns as well.
A character model predicts the next character from the characters before it. It learns
spelling first, then words, then the shape of sentences. Given a prompt, it continues
the text one character at a time, each choice fed back as the next input.
"""

_SUBJECTS = [("the network", "s"), ("the cell", "s"), ("the forget gate", "s"), ("the input gate", "s"), ("the output gate", "s"),
             ("the hidden state", "s"), ("the gradient", "s"), ("the model", "s"), ("a small LSTM", "s"), ("the update gate", "s"),
             ("the gates", "p"), ("the weights", "p"), ("recurrent networks", "p"), ("long sequences", "p"), ("the errors", "p")]
_VERBS = [("reads", "read"), ("keeps", "keep"), ("forgets", "forget"), ("learns", "learn"), ("carries", "carry"), ("scales", "scale"),
          ("remembers", "remember"), ("predicts", "predict"), ("mixes", "mix"), ("passes", "pass"), ("writes", "write"), ("opens", "open")]
_OBJECTS = ["the next character", "the old state", "a new candidate", "what it read long ago", "the signal", "every word of the prompt",
            "the shape of a sentence", "the error back through time", "the memory of the text", "a little of the past"]
_ADVERBIALS = ["at every step", "over many steps", "one character at a time", "while it trains", "when the gate is open",
               "after a few hundred steps", "along the conveyor belt", "without clipping", "in the second layer", "as the loss falls"]
_CONNECTIVES = ["and", "but", "so", "while", "because"]


def _clause(rng):
    subject, number = _SUBJECTS[rng.int(len(_SUBJECTS))]
    singular, plural = _VERBS[rng.int(len(_VERBS))]
    out = f"{subject} {singular if number == 's' else plural} {_OBJECTS[rng.int(len(_OBJECTS))]}"
    if rng.next() < 0.6:
        out += " " + _ADVERBIALS[rng.int(len(_ADVERBIALS))]
    return out


def _sentence(rng):
    r = rng.next()
    if r < 0.12:
        step = (1 + rng.int(40)) * 50
        s = f"at step {step} the loss is {3.5 * math.exp(-step / 900) + 1.2 + rng.next() * 0.1:.2f}"
    elif r < 0.5:
        s = f"{_clause(rng)}, {_CONNECTIVES[rng.int(len(_CONNECTIVES))]} {_clause(rng)}"
    else:
        s = _clause(rng)
    return s[0].upper() + s[1:] + ("?" if rng.next() < 0.1 else ".")


def generate_corpus(characters=120_000, seed=7):
    """SeqLab's built-in text (engine/text/generatedCorpus.ts): its paragraphs, then generated ones."""
    rng = Random(seed)
    parts, length = [DEMO_CORPUS], len(DEMO_CORPUS)
    while length < characters:
        paragraph = " ".join(_sentence(rng) for _ in range(3 + rng.int(4))) + "\n\n"
        parts.append(paragraph)
        length += len(paragraph)
    return "".join(parts)


_NEWS_WORDS = {
    "city": ["北京", "上海", "广州", "深圳", "杭州", "南京", "成都", "武汉", "西安", "重庆", "天津", "长沙", "郑州", "青岛", "昆明"],
    "org": ["国家统计局", "教育部", "科技部", "交通运输部", "中国人民银行", "国家气象中心", "市政府", "中国科学院", "商务部", "国家卫生健康委员会"],
    "when": ["今天", "昨天", "近日", "本周", "今年以来", "上半年", "前三季度", "去年"],
    "indicator": ["全国居民消费价格", "社会消费品零售总额", "规模以上工业增加值", "快递业务量", "粮食总产量", "城镇新增就业人数"],
    "change": ["增长", "上涨", "下降", "增加"],
    "build": ["新建", "开通", "建成", "启动建设", "改造"],
    "facility": ["家医院", "座公园", "个地铁站", "座图书馆", "个科技园区", "座体育场"],
    "purpose": ["方便市民出行", "满足群众需求", "推动经济发展", "改善生态环境", "提高公共服务水平"],
    "speaker": ["业内专家", "有关负责人", "经济学家", "研究人员", "多位代表"],
    "comment": ["这一变化说明经济运行总体平稳", "相关工作正在有序推进", "市场需求有望进一步恢复", "科技创新为发展提供了新动力", "要让更多群众享受到发展的成果"],
    "policy": ["实行新的垃圾分类办法", "开通三条公交线路", "调整地铁运营时间", "开放新的图书馆", "举办国际马拉松比赛"],
    "weather": ["晴", "多云", "有小雨", "阴转多云", "有阵雨", "有小雪"],
    "surname": ["王", "李", "张", "刘", "陈", "杨", "周", "吴"],
    "given": ["伟", "洋", "勇", "军", "杰", "涛", "明"],
}
_NEWS_TALLIES = [("接待游客", "万人次"), ("完成投资", "亿元"), ("新增企业", "家"), ("培训教师", "名")]
_NEWS_LEAD = "新华社{city}{month}月{day}日电（记者{surname}{given}）"
_NEWS_SENTENCES = [
    "{org}{when}发布的数据显示，{indicator}同比{change}{percent}%。",
    "{when}，{city}{build}{count}{facility}，{purpose}。",
    "{speaker}表示，{comment}。",
    "据{org}介绍，{when}{city}共{tally}。",
    "{city}明天{weather}，气温{low}到{high}摄氏度。",
    "记者从{org}获悉，{city}将于{month}月{day}日起{policy}。",
]
CHINESE_NEWS_PROMPT = "新华社北京"


def _news_filler(rng):
    low = [0]

    def slot(name):
        if name == "month":
            return str(1 + rng.int(12))
        if name == "day":
            return str(1 + rng.int(28))
        if name == "percent":
            tenths = 1 + rng.int(99)
            return f"{tenths // 10}.{tenths % 10}"
        if name == "count":
            return str(2 + rng.int(49))
        if name == "low":
            low[0] = rng.int(21) - 5
            return str(low[0])
        if name == "high":
            return str(low[0] + 3 + rng.int(10))
        if name == "tally":
            what, unit = _NEWS_TALLIES[rng.int(len(_NEWS_TALLIES))]
            return f"{what}{10 + rng.int(990)}{unit}"
        words = _NEWS_WORDS[name]
        return words[rng.int(len(words))]
    return slot


def generate_chinese_news(characters=80_000, seed=7):
    """SeqLab's generated Chinese news-like text (engine/text/chineseNews.ts): wire-service leads,
    then sentences from a seeded grammar of news sentences, whole paragraphs."""
    rng = Random(seed)
    slot = _news_filler(rng)
    fill = lambda template: re.sub(r"\{(\w+)\}", lambda m: slot(m.group(1)), template)
    parts, length = [], 0
    while length < characters:
        paragraph = fill(_NEWS_LEAD)
        for _ in range(3 + rng.int(4)):
            paragraph += fill(_NEWS_SENTENCES[rng.int(len(_NEWS_SENTENCES))])
        paragraph += "\n"
        parts.append(paragraph)
        length += len(paragraph)
    return "".join(parts)


def corpus_ids(text):
    """A character vocabulary (the distinct characters, sorted) and the text as ids."""
    tokens = sorted(set(text))
    index = {t: i for i, t in enumerate(tokens)}
    return tokens, [index[ch] for ch in text]


def random_windows(ids, batch, width, rng):
    """`batch` windows of `width` ids at positions drawn from `rng`, as SeqLab draws them."""
    rows = []
    for _ in range(batch):
        start = rng.int(len(ids) - width)
        rows.append(ids[start:start + width])
    return torch.tensor(rows, dtype=torch.long)


# --- the model ------------------------------------------------------------------------------

GATES = {"lstm": 4, "gru": 3, "rnn-tanh": 1, "rnn-relu": 1, "rnn-sigmoid": 1}


class CharLM(nn.Module):
    """SeqLab's character model: Embedding -> `num_layers` recurrent layers -> Linear, with SeqLab's
    parameter names (embedding.weight, rnn.weight_ih_l0, ..., head.weight, head.bias).

    The recurrent layers are torch.nn.LSTM, GRU or RNN (the sigmoid RNN, which torch.nn lacks,
    is written out). `forward(ids, on_hidden=...)` steps them by hand instead, with PyTorch's
    equations (the chapter's loop over time), so that every step's hidden state can be reached.

    The initial weights are SeqLab's for `seed`: PyTorch's initialisation (embedding N(0, 1), every
    recurrent weight and the head U(-1/sqrt(hidden), 1/sqrt(hidden))), drawn in SeqLab's order with
    its generators, so the same seed gives the same numbers in both."""

    def __init__(self, cell, vocab_size, hidden_size, seed, embedding_size=32, num_layers=1, forget_bias=None, normalization="none", bn_gain=0.1):
        super().__init__()
        if cell not in GATES:
            raise ValueError(f"unknown cell {cell!r}")
        self.cell, self.hidden_size, self.num_layers, self.normalization = cell, hidden_size, num_layers, normalization
        self.embedding = nn.Embedding(vocab_size, embedding_size)
        if cell == "lstm":
            self.rnn = nn.LSTM(embedding_size, hidden_size, num_layers)
        elif cell == "gru":
            self.rnn = nn.GRU(embedding_size, hidden_size, num_layers)
        elif cell in ("rnn-tanh", "rnn-relu"):
            self.rnn = nn.RNN(embedding_size, hidden_size, num_layers, nonlinearity=cell[4:])
        else:
            self.rnn = nn.Module()  # the sigmoid RNN: parameters only, always stepped by hand
            G = GATES[cell]
            for k in range(num_layers):
                size_in = embedding_size if k == 0 else hidden_size
                for name, shape in [("weight_ih", (G * hidden_size, size_in)), ("weight_hh", (G * hidden_size, hidden_size)),
                                    ("bias_ih", (G * hidden_size,)), ("bias_hh", (G * hidden_size,))]:
                    self.rnn.register_parameter(f"{name}_l{k}", nn.Parameter(torch.empty(shape)))
        self.head = nn.Linear(hidden_size, vocab_size)
        rng = Random(seed)
        bound = 1 / math.sqrt(hidden_size)
        with torch.no_grad():
            self.embedding.weight.copy_(tfjs_normal([vocab_size, embedding_size], 0, 1, rng.seed()))
            layer_rng = Random(rng.seed())  # the recurrent layers draw from their own generator, layer by layer
            for k in range(num_layers):
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                    p = getattr(self.rnn, f"{name}_l{k}")
                    p.copy_(tfjs_uniform(list(p.shape), -bound, bound, layer_rng.seed()))
                if forget_bias is not None:  # every layer's forget gate: its input bias set, its recurrent bias 0
                    getattr(self.rnn, f"bias_ih_l{k}")[hidden_size:2 * hidden_size] = forget_bias
                    getattr(self.rnn, f"bias_hh_l{k}")[hidden_size:2 * hidden_size] = 0
            self.head.weight.copy_(tfjs_uniform([vocab_size, hidden_size], -bound, bound, rng.seed()))
            self.head.bias.copy_(tfjs_uniform([vocab_size], -bound, bound, rng.seed()))
        if normalization != "none":
            self._add_normalization(normalization, bn_gain)

    # SeqLab's normalised cells (torch.nn has none): the input and recurrent pre-activations are each
    # normalised before their biases are added, and the LSTM's cell state before its tanh (the state
    # carried on stays as it is). Layer norm: over each row's units (Ba et al. 2016), gain 1.
    # Recurrent batch norm (Cooijmans et al. 2016): over the batch, with statistics kept per time
    # step for evaluation, gain 0.1 by default.
    BN_MAX_STEPS, BN_MOMENTUM, EPS = 128, 0.1, 1e-5

    def _add_normalization(self, kind, bn_gain):
        pre, gain = ("ln", 1.0) if kind == "layer" else ("bn", bn_gain)
        H, G = self.hidden_size, GATES[self.cell]
        parts = [("ih", G * H), ("hh", G * H)] + ([("c", H)] if self.cell == "lstm" else [])
        for k in range(self.num_layers):
            for part, size in parts:
                self.rnn.register_parameter(f"{pre}_{part}_weight_l{k}", nn.Parameter(torch.full((size,), gain)))
                if part == "c":
                    self.rnn.register_parameter(f"{pre}_c_bias_l{k}", nn.Parameter(torch.zeros(size)))
                if kind == "batch":
                    self.rnn.register_buffer(f"bn_{part}_running_mean_l{k}", torch.zeros(self.BN_MAX_STEPS, size))
                    self.rnn.register_buffer(f"bn_{part}_running_var_l{k}", torch.ones(self.BN_MAX_STEPS, size))
        self._observed = []

    def norm(self, k, part, v, t):
        if self.normalization == "none":
            return v
        if self.normalization == "layer":
            out = (v - v.mean(-1, keepdim=True)) / torch.sqrt(v.var(-1, unbiased=False, keepdim=True) + self.EPS) * getattr(self.rnn, f"ln_{part}_weight_l{k}")
            return out + getattr(self.rnn, f"ln_c_bias_l{k}") if part == "c" else out
        row = min(t, self.BN_MAX_STEPS - 1)
        if self.training:
            mean, var = v.mean(0), v.var(0, unbiased=False)
            self._observed.append((k, part, row, v.shape[0], mean.detach(), var.detach()))
        else:
            mean, var = getattr(self.rnn, f"bn_{part}_running_mean_l{k}")[row], getattr(self.rnn, f"bn_{part}_running_var_l{k}")[row]
        out = (v - mean) / torch.sqrt(var + self.EPS) * getattr(self.rnn, f"bn_{part}_weight_l{k}")
        return out + getattr(self.rnn, f"bn_c_bias_l{k}") if part == "c" else out

    @torch.no_grad()
    def _commit_batch_statistics(self):
        """Folds the batch statistics into the running ones, in the order the loop saw them."""
        for k, part, row, n, mean, var in self._observed:
            running_mean, running_var = getattr(self.rnn, f"bn_{part}_running_mean_l{k}"), getattr(self.rnn, f"bn_{part}_running_var_l{k}")
            running_mean[row] = running_mean[row] * (1 - self.BN_MOMENTUM) + mean * self.BN_MOMENTUM
            running_var[row] = running_var[row] * (1 - self.BN_MOMENTUM) + var * (n / max(n - 1, 1)) * self.BN_MOMENTUM
        self._observed = []

    def step(self, k, x, h, c, t=0):
        """Time step t of layer k, PyTorch's equations: returns (h, c) (c only for the LSTM)."""
        w_ih, w_hh = getattr(self.rnn, f"weight_ih_l{k}"), getattr(self.rnn, f"weight_hh_l{k}")
        a_in = self.norm(k, "ih", x @ w_ih.t(), t) + getattr(self.rnn, f"bias_ih_l{k}")
        a_rec = self.norm(k, "hh", h @ w_hh.t(), t) + getattr(self.rnn, f"bias_hh_l{k}")
        if self.cell == "lstm":
            i, f, g, o = (a_in + a_rec).chunk(4, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            return torch.sigmoid(o) * torch.tanh(self.norm(k, "c", c, t)), c
        if self.cell == "gru":
            r_in, z_in, n_in = a_in.chunk(3, dim=1)
            r_rec, z_rec, n_rec = a_rec.chunk(3, dim=1)
            r, z = torch.sigmoid(r_in + r_rec), torch.sigmoid(z_in + z_rec)
            n = torch.tanh(n_in + r * n_rec)
            return (1 - z) * n + z * h, c
        act = {"rnn-tanh": torch.tanh, "rnn-relu": torch.relu, "rnn-sigmoid": torch.sigmoid}[self.cell]
        return act(a_in + a_rec), c

    def forward(self, ids, on_hidden=None):
        """ids (N, L) -> logits (L, N, V). With `on_hidden(k, t, h)`, the layers are stepped by hand
        and each step's hidden state of layer k is replaced by what it returns."""
        x = self.embedding(ids.t())  # (L, N, E), time first as in nn.LSTM
        if on_hidden is None and self.cell != "rnn-sigmoid" and self.normalization == "none":
            out, _ = self.rnn(x)
            return self.head(out)
        N = ids.shape[0]
        for k in range(self.num_layers):
            h = x.new_zeros(N, self.hidden_size)
            c = x.new_zeros(N, self.hidden_size)
            outputs = []
            for t in range(x.shape[0]):
                h, c = self.step(k, x[t], h, c, t)
                if on_hidden is not None:
                    h = on_hidden(k, t, h)
                outputs.append(h)
            x = torch.stack(outputs)  # only h goes up a layer, never c
            if self.normalization == "batch" and self.training:
                self._commit_batch_statistics()
        return self.head(x)

    def loss(self, windows):
        """Mean cross-entropy (nats per character) of each next character of the windows."""
        logits = self(windows[:, :-1])
        return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), windows[:, 1:].t().reshape(-1))


# --- SeqLab's training loop -------------------------------------------------------------------

UNKNOWN_TOKEN = "\ufffd"
TRAIN_DEFAULTS = {"layers": 1, "embed": 32, "seqLen": 64, "batch": 32, "valFraction": 0.1, "optimizer": "adam", "lr": 3e-3,
                  "momentum": 0.9, "clipNorm": 5.0, "steps": 100, "evalInterval": 25, "evalWindows": 64, "patience": 8,
                  "vocabMax": None, "forgetBias": None, "normalization": "none", "bnGain": 0.1, "seed": 1234}


def vocabulary_of(text, vocab_max=None):
    """SeqLab's character vocabulary (Vocabulary.fromText): every distinct character, sorted; or,
    capped at `vocab_max`, the unknown token first and the vocab_max - 1 most frequent. Returns
    (tokens, capped)."""
    counts = {}
    for ch in unicodedata.normalize("NFC", text):
        counts[ch] = counts.get(ch, 0) + 1
    utf16 = lambda ch: ch.encode("utf-16-be")  # JavaScript sorts strings by UTF-16 code units
    cap = vocab_max if vocab_max is not None else 8000
    if len(counts) <= cap:
        return sorted(counts, key=utf16), False
    if vocab_max is None:
        raise SystemExit(f"the text has {len(counts)} distinct characters: pass a vocabulary cap (SeqLab would choose bytes here)")
    by_frequency = sorted(counts, key=lambda ch: (-counts[ch], utf16(ch)))
    return [UNKNOWN_TOKEN] + sorted(by_frequency[:cap - 1], key=utf16), True


def encode(text, tokens, capped):
    """Ids of the text: unknown characters become the unknown token (capped) or are skipped."""
    index = {t: i for i, t in enumerate(tokens)}
    ids = []
    for ch in unicodedata.normalize("NFC", text):
        i = index.get(ch)
        if i is not None:
            ids.append(i)
        elif capped:
            ids.append(0)
    return ids


def validation_windows(ids, seq_len, count):
    """SeqLab's fixed validation windows: at most `count`, spread evenly, each seq_len + 1 long."""
    width = seq_len + 1
    n = max(1, min(count, (len(ids) - 1) // seq_len))
    stride = max(seq_len, (len(ids) - width) // max(1, n - 1))
    return torch.tensor([ids[min(r * stride, len(ids) - width):][:width] for r in range(n)], dtype=torch.long)


@torch.no_grad()
def evaluate(model, windows, chunk):
    """The mean loss over the windows, `chunk` at a time."""
    was = model.training
    model.eval()
    total = sum(model.loss(windows[s:s + chunk]).item() * len(windows[s:s + chunk]) for s in range(0, len(windows), chunk))
    model.train(was)
    return total / len(windows)


def clip_gradients(parameters, clip_norm):
    """SeqLab's clipping, which is torch.nn.utils.clip_grad_norm_'s rule (scale by min(1, clip /
    (norm + 1e-6))) with the norm scaled before squaring: clip_grad_norm_ squares in float32 and
    reads inf for a gradient norm above about 1e19, which an exploding run reaches. Returns the
    norm before clipping."""
    grads = [p.grad for p in parameters if p.grad is not None]
    norm = scaled_norm(torch.cat([g.reshape(-1) for g in grads]))
    if clip_norm > 0 and math.isfinite(norm):
        coef = min(1.0, clip_norm / (norm + 1e-6))
        for g in grads:
            g.mul_(coef)
    return norm


def train_run(text, settings, prepare=None, after=None, training_text_loss=False):
    """One run of SeqLab's training loop (engine/train/trainer.ts) on `text`: the same vocabulary,
    validation split and windows, model, batches (drawn from Random(seed)), optimiser, clipping,
    validation passes and stopping rules (a non-finite loss; `patience` passes without a better
    validation loss). `prepare(model)` may change the initial weights; `after(model, tokens,
    capped)` is called on the trained model and what it returns is added to the run. Returns
    every step's training loss and gradient norm, the validation losses, and `unigramLoss`: the
    validation loss of a model that knows only how often each character occurs in the training
    part (add-one smoothed), SeqLab's baseline. With `training_text_loss`, also `trainingTextLoss`: the
    trained model's loss on fixed windows of the training part, measured as the validation loss is."""
    c = {**TRAIN_DEFAULTS, **settings}
    tokens, capped = vocabulary_of(text, c["vocabMax"])
    ids = encode(text, tokens, capped)
    width = c["seqLen"] + 1
    val_length = max(width, round(len(ids) * c["valFraction"]))
    if len(ids) - val_length < width:
        raise SystemExit(f"the text has {len(ids)} tokens: too short for windows of {width} and a validation part")
    train_ids = torch.tensor(ids[:len(ids) - val_length], dtype=torch.long)
    counts = torch.bincount(train_ids, minlength=len(tokens)).tolist()
    val_ids = ids[len(ids) - val_length:]
    denominator = math.log(len(train_ids) + len(tokens))
    unigram_loss = 0.0
    for i in val_ids:  # summed in order, as SeqLab sums it
        unigram_loss += denominator - math.log(counts[i] + 1)
    val_windows = validation_windows(ids[len(ids) - val_length:], c["seqLen"], c["evalWindows"])
    model = CharLM(c["cell"], len(tokens), c["hidden"], c["seed"], embedding_size=c["embed"], num_layers=c["layers"], forget_bias=c["forgetBias"],
                   normalization=c["normalization"], bn_gain=c["bnGain"])
    if prepare:
        with torch.no_grad():
            prepare(model)
    if c["optimizer"] == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=c["lr"])
    elif c["optimizer"] == "sgd":
        optimizer = torch.optim.SGD(model.parameters(), lr=c["lr"], momentum=c["momentum"])
    elif c["optimizer"] == "rmsprop":
        optimizer = torch.optim.RMSprop(model.parameters(), lr=c["lr"], alpha=0.99, eps=1e-8)
    else:
        optimizer = torch.optim.Adagrad(model.parameters(), lr=c["lr"], eps=1e-10)
    rng = Random(c["seed"])
    run = {"steps": [], "trainLoss": [], "gradNorm": [], "valSteps": [], "valLoss": [], "reason": "completed",
           "parameters": sum(p.numel() for p in model.parameters()), "unigramLoss": unigram_loss / len(val_ids)}
    run["initialValLoss"] = evaluate(model, val_windows, c["batch"])
    best, without_best = None, 0
    for step in range(1, c["steps"] + 1):
        starts = [rng.int(len(train_ids) - width + 1) for _ in range(c["batch"])]
        batch = torch.stack([train_ids[s:s + width] for s in starts])
        optimizer.zero_grad()
        loss = model.loss(batch)
        loss.backward()
        grad_norm = clip_gradients(list(model.parameters()), c["clipNorm"])
        optimizer.step()
        if not (math.isfinite(loss.item()) and math.isfinite(grad_norm)):
            run["reason"], run["divergedAtStep"] = "diverged", step
            break
        run["steps"].append(step)
        run["trainLoss"].append(loss.item())
        run["gradNorm"].append(grad_norm)
        if step % c["evalInterval"] == 0 or step == c["steps"]:
            val = evaluate(model, val_windows, c["batch"])
            run["valSteps"].append(step)
            run["valLoss"].append(val)
            if best is None or val < best:
                best, without_best = val, 0
            else:
                without_best += 1
                if c["patience"] > 0 and without_best >= c["patience"]:
                    run["reason"] = "plateau"
                    break
    run["bestValLoss"] = best
    if training_text_loss and run["reason"] != "diverged":
        run["trainingTextLoss"] = evaluate(model, validation_windows(ids[:len(ids) - val_length], c["seqLen"], c["evalWindows"]), c["batch"])
    if after:
        run.update(after(model, tokens, capped))
    return run


def choose_token(logits, temperature, u):
    """SeqLab's choice of the next token (top-k and top-p off): the likeliest at temperature 0,
    else softmax with temperature, drawn with the uniform number u."""
    if temperature <= 0:
        return max(range(len(logits)), key=lambda i: (logits[i], -i))
    order = sorted(range(len(logits)), key=lambda i: -logits[i])
    top = logits[order[0]]
    probs = [math.exp((logits[i] - top) / temperature) for i in order]
    total = sum(probs)
    acc = 0.0
    for k, i in enumerate(order):
        acc += probs[k] / total
        if u < acc:
            return i
    return order[-1]


@torch.no_grad()
def sample_text(model, tokens, capped, prompt, length, temperature, seed):
    """The model's continuation of `prompt` (prompt excluded), drawn as `seqlab sample` draws it:
    the prompt but its last character in one pass, then one character at a time, each chosen
    with SeqLab's generator seeded with `seed`. For the nn.LSTM / nn.GRU models (no normalisation)."""
    was = model.training
    model.eval()
    ids = encode(prompt, tokens, capped)
    if not ids:  # nothing the model knows: start from a line break
        ids = [tokens.index("\n") if "\n" in tokens else 0]
    rng = Random(seed)
    state = None

    def last_logits(chunk):
        nonlocal state
        out, state = model.rnn(model.embedding(torch.tensor([chunk]).t()), state)
        return model.head(out[-1, 0]).tolist()
    if len(ids) > 1:
        last_logits(ids[:-1])
    logits = last_logits(ids[-1:])
    text = ""
    for k in range(length):
        token = choose_token(logits, temperature, rng.next())
        text += tokens[token]
        if k + 1 < length:
            logits = last_logits([token])
    model.train(was)
    return text


def char_pairs(text):
    """Adjacent character pairs of the text, each as one string."""
    return [a + b for a, b in zip(text, text[1:])]


def pair_share(continuation, prompt, seen):
    """The share of the continuation's adjacent character pairs (the prompt's last character and the
    first generated one included) that occur in the text (`seen`: the text's pairs)."""
    pairs = char_pairs(prompt[-1:] + continuation)
    return sum(p in seen for p in pairs) / len(pairs) if pairs else float("nan")


def unigram_pair_share(text):
    """The share pair_share expects of characters drawn by frequency alone: the sum of p(a) p(b)
    over the pairs (a, b) that occur in the text (summed in SeqLab's order)."""
    p = {}
    for ch in text:
        p[ch] = p.get(ch, 0.0) + 1 / len(text)
    share = 0.0
    for pair in dict.fromkeys(char_pairs(text)):
        share += p[pair[0]] * p[pair[1]]
    return share


# --- measuring and printing -----------------------------------------------------------------

def scaled_norm(g):
    """||g||, scaled by its largest entry before squaring: torch.norm squares as it is, so in
    float32 it reads 0 for any gradient below about 1e-22, which would look like vanishing."""
    m = g.abs().max()
    return 0.0 if m == 0 else (m * torch.linalg.norm(g / m)).item()


def decay_per_step(norms, max_distance=None):
    """exp of the least-squares slope of log(norm) against distance (finite, positive norms only)."""
    last = len(norms) - 1 if max_distance is None else max_distance
    points = [(d, math.log(v)) for d, v in enumerate(norms[:last + 1]) if v > 0 and math.isfinite(v)]
    if len(points) < 2:
        return float("nan")
    mx = sum(d for d, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    num = sum((d - mx) * (y - my) for d, y in points)
    den = sum((d - mx) ** 2 for d, _ in points)
    return math.exp(num / den)


def sig3(v):
    """Three significant digits, as SeqLab writes its numbers."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    if v == 0:
        return "0"
    if 1e-3 <= abs(v) < 1e5:
        return f"{float(f'{v:.3g}'):,.10f}".rstrip("0").rstrip(".")
    return f"{v:.2e}".replace("e+", "e").replace("e-0", "e-").replace("e0", "e")


def geometric_mean_range(values):
    """"mean (lowest–highest)" on a log scale, as SeqLab's tables say it."""
    positive = [v for v in values if v > 0 and math.isfinite(v)]
    if not positive:
        return "0" if any(v == 0 for v in values) else "–"
    lo, hi = min(positive), max(positive)
    if lo == hi:
        return sig3(lo)
    return f"{sig3(math.exp(sum(math.log(v) for v in positive) / len(positive)))} ({sig3(lo)}–{sig3(hi)})"


def print_table(rows):
    """A table as columns of text: the first row names them."""
    widths = [max(len(str(row[k])) for row in rows) for k in range(len(rows[0]))]
    for i, row in enumerate(rows):
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))


def _flag(key):
    return "--" + "".join("-" + ch.lower() if ch.isupper() else ch for ch in key.replace(".", "-"))


def _boolean(text):
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def _flat(settings, prefix=""):
    """Settings with nested groups (cell-walkthrough's `explore`) as dotted keys."""
    out = {}
    for key, value in settings.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = value
    return out


def settings_parser(description, settings, hints, exported):
    """An argparse parser with one option per setting (lists as comma-separated values, a nested
    group's settings as --group-key). Each option's type is the setting's in SETTINGS; its default,
    the value SeqLab exported."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    given = _flat(exported)
    for key, declared in _flat(settings).items():
        default = given.get(key, declared)
        if isinstance(declared, list):
            parser.add_argument(_flag(key), dest=key, metavar="A,B", default=",".join(map(str, default)), help=hints.get(key, "") + " (comma-separated)")
        elif isinstance(declared, bool):
            parser.add_argument(_flag(key), dest=key, metavar="true|false", type=_boolean, default=bool(default), help=hints.get(key, ""))
        else:
            kind = type(declared)
            parser.add_argument(_flag(key), dest=key, metavar={int: "N", float: "X"}.get(kind, "NAME"), type=kind, default=kind(default), help=hints.get(key, ""))
    parser.add_argument("--json", action="store_true", help="print every seed's numbers as one JSON object instead of the table")
    return parser


def parse_settings(parser, settings, argv=None):
    """The settings from the command line (and any option the script added), and whether --json was given."""
    args = vars(parser.parse_args(argv))
    as_json = args.pop("json")
    flat = _flat(settings)
    for key, declared in flat.items():
        if isinstance(declared, list):
            kind = type(declared[0]) if declared else str
            args[key] = [kind(v.strip()) for v in args[key].split(",") if v.strip()]
    for key in [k for k in args if "." in k]:  # back into their groups
        group, name = key.split(".", 1)
        args.setdefault(group, {})[name] = args.pop(key)
    return args, as_json
