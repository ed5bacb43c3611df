"""Generate benchmark articles: Markdown with YAML front matter, Chinese and English mixed.

Deterministic: article `i` of seed `s` is always the same text, and can be produced on
its own (each article has its own `random.Random`). All word lists, sentences, formulas
and code below were written for this benchmark.

    python bench/generate.py --count 10000 --out /tmp/articles   # writes NNNNN-slug.md
    python bench/generate.py --typical                          # prints typical_article()
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

DEFAULT_COUNT = 10_000
DEFAULT_SEED = 2024
MIN_CHARS = 500
MAX_CHARS = 12_000
# Dates spread over six years; every article gets its own second in its own slot.
FIRST_DATE = datetime(2019, 1, 1, 8, 0, 0)
DATE_SPAN = timedelta(days=6 * 365)

# --- Vocabulary ----------------------------------------------------------------------

CATEGORIES = [
    ["机器学习", "深度学习"],
    ["机器学习", "强化学习"],
    ["机器学习", "概率模型"],
    ["机器学习"],
    ["大数据"],
    ["大数据", "流处理"],
    ["大数据", "存储引擎"],
    ["算法"],
    ["算法", "图论"],
    ["算法", "动态规划"],
    ["系统", "GPU"],
    ["数据库"],
]

TAGS = [
    "Python", "PyTorch", "NumPy", "SQL", "C++", "CUDA", "Spark", "Flink", "Kafka", "Hadoop",
    "PostgreSQL", "ClickHouse", "Transformer", "CNN", "RL", "优化", "概率", "线性代数",
    "数学推导", "读书笔记", "性能调优", "分布式", "动态规划", "图算法", "字符串", "索引",
    "缓存", "源码阅读", "踩坑记录", "面试题", "统计", "调参", "并发", "内存模型", "编译器",
    "数值稳定性", "Benchmark", "LeetCode", "复杂度分析", "系统设计",
]  # fmt: skip

# (Chinese name, English name) of a topic; Chinese prose keeps English terms as they are.
TOPICS = [
    ("梯度下降", "gradient descent"),
    ("反向传播", "backpropagation"),
    ("注意力机制", "attention"),
    ("Transformer", "the Transformer"),
    ("批归一化", "batch normalization"),
    ("交叉熵损失", "cross-entropy loss"),
    ("学习率调度", "learning-rate schedules"),
    ("正则化", "regularization"),
    ("策略梯度", "policy gradient"),
    ("Bellman 方程", "the Bellman equation"),
    ("变分推断", "variational inference"),
    ("EM 算法", "the EM algorithm"),
    ("动态规划", "dynamic programming"),
    ("线段树", "segment trees"),
    ("并查集", "union-find"),
    ("最短路算法", "shortest paths"),
    ("拓扑排序", "topological sorting"),
    ("字符串匹配", "string matching"),
    ("布隆过滤器", "Bloom filters"),
    ("HyperLogLog", "HyperLogLog"),
    ("一致性哈希", "consistent hashing"),
    ("LSM-tree", "LSM-trees"),
    ("B+ 树索引", "B+ tree indexes"),
    ("列式存储", "columnar storage"),
    ("Spark shuffle", "the Spark shuffle"),
    ("数据倾斜", "data skew"),
    ("Flink watermark", "Flink watermarks"),
    ("Kafka 消费者组", "Kafka consumer groups"),
    ("窗口函数", "window functions"),
    ("向量化执行", "vectorized execution"),
    ("CUDA 内存层次", "the CUDA memory hierarchy"),
    ("伪共享", "false sharing"),
]

ZH_ASPECTS = [
    "收敛性", "数值稳定性", "边界条件", "时间复杂度", "内存占用", "工程实现", "调参经验",
    "常见误区", "并行化", "直觉解释", "证明思路", "线上故障", "性能瓶颈", "测试方法",
]  # fmt: skip
EN_ASPECTS = [
    "convergence", "numerical stability", "edge cases", "running time", "memory use",
    "a practical implementation", "tuning", "common mistakes", "parallelism", "intuition",
    "the proof", "a production incident", "the bottleneck", "testing",
]  # fmt: skip

ZH_TITLES = [
    "{topic}笔记（{n}）：{aspect}",
    "从零实现{topic}",
    "聊聊{topic}的{aspect}",
    "{topic}与{topic2}：一次对比实验",
    "重新理解{topic}",
    "{topic}里的{aspect}问题",
    "一次{topic}的{aspect}排查",
    "读书笔记：{topic}",
]
EN_TITLES = [
    "Notes on {topic}, part {n}: {aspect}",
    "{Topic} from scratch",
    "What {topic} teaches about {aspect}",
    "{Topic} versus {topic2}",
    "Revisiting {topic}",
    "A short guide to {aspect} in {topic}",
    "Debugging {topic}: {aspect}",
]

ZH_HEADINGS = [
    "背景", "问题定义", "推导", "实现", "复杂度分析", "实验结果", "踩坑记录", "一个小例子",
    "优化思路", "和其他方法的对比", "边界情况", "小结", "延伸阅读", "为什么这样做",
]  # fmt: skip
EN_HEADINGS = [
    "Background", "The problem", "Derivation", "Implementation", "Complexity",
    "Experiments", "Pitfalls", "A worked example", "Making it faster", "Alternatives",
    "Edge cases", "Summary", "Further reading", "Why it works",
]  # fmt: skip

# {t}, {t2}: topics; {a}: an aspect; {n}, {m}: numbers; {x}: an inline formula.
ZH_SENTENCES = [
    "在实际项目里，{t}往往比教科书上写的更难调。",
    "这一节先给出{t}的定义，再讨论它和{t2}之间的关系。",
    "如果数据量超过单机内存，{t}的实现就需要换一种思路。",
    "很多人第一次接触{t}时会忽略{a}，结果在线上吃了亏。",
    "下面的推导只用到一点点线性代数和概率论。",
    "我们用一个只有 {n} 行的小例子来说明。",
    "注意这里的复杂度是 {x}，而不是直觉上的平方级。",
    "把 {x} 代入上式，整理之后可以得到一个更紧凑的形式。",
    "实验在一台 {n} 核的机器上完成，数据集大约 {m} GB。",
    "这个结论并不新鲜，但很少有资料把前提条件讲清楚。",
    "{t}的核心思想可以用一句话概括：用空间换时间。",
    "对照 benchmark 的结果，{t}在小批量时反而更慢。",
    "换句话说，只要 {x} 成立，迭代就一定收敛。",
    "这里顺便记录一下调试时遇到的几个问题。",
    "读源码的时候发现，{t}的默认参数其实并不适合我们的场景。",
    "如果你只关心结论，可以直接跳到最后一节。",
    "第 {n} 轮迭代之后，损失基本不再下降。",
    "为了方便比较，所有实验都固定了随机种子 {m}。",
    "这种写法在{t2}里很常见，但在{t}里要格外小心{a}。",
    "我们记 {x}，于是问题就变成了求一个最小值。",
    "上线之后 p99 延迟从 {n} ms 降到了 {m} ms。",
    "{t}本身不难，难的是把{a}处理干净。",
    "先写一个朴素版本，确认结果正确，再考虑优化。",
    "用 profiler 看了一下，{m}% 的时间花在了{t}上。",
    "这一步等价于把 {x} 投影回可行域。",
    "和{t2}相比，{t}对{a}更敏感。",
]
EN_SENTENCES = [
    "In practice {t} is harder to get right than the textbooks suggest.",
    "This section defines {t} first and then relates it to {t2}.",
    "Once the data no longer fits in memory, {t} needs a different approach.",
    "Most people meet {t} long before they think about {a}.",
    "The derivation below needs only a little linear algebra.",
    "A toy example with {n} rows is enough to see what happens.",
    "Note that the cost is {x}, not the quadratic bound one might expect.",
    "Substituting {x} and collecting terms gives a tidier form.",
    "All runs used a machine with {n} cores and about {m} GB of data.",
    "None of this is new, but the assumptions are rarely spelled out.",
    "The idea behind {t} fits in one sentence: trade memory for time.",
    "The benchmark shows {t} losing to {t2} on small batches.",
    "In other words, as long as {x} holds, the iteration converges.",
    "Here are the problems I ran into while debugging it.",
    "Reading the source shows that the defaults of {t} do not suit every workload.",
    "If you only want the conclusion, skip to the last section.",
    "After {n} iterations the loss stops improving.",
    "Every experiment fixes the random seed to {m} so runs can be compared.",
    "This pattern is common in {t2}, but in {t} you must watch {a}.",
    "Write {x}; the problem becomes finding a minimum.",
    "After the change, p99 latency went from {n} ms down to {m} ms.",
    "{T} is not hard by itself; {a} is where the work is.",
    "Start with a naive version, check that it is right, then make it fast.",
    "The profiler says {m}% of the time goes into {t}.",
    "This step projects {x} back onto the feasible set.",
    "Compared with {t2}, {t} is more sensitive to {a}.",
]

ZH_LIST_ITEMS = [
    "先确认输入的规模和分布", "记录每一步的耗时", "不要过早优化", "保留一个朴素实现做对照",
    "注意整数溢出", "检查边界条件", "把随机种子写进日志", "先在小数据上跑通",
    "分清延迟和吞吐", "监控内存峰值",
]  # fmt: skip
EN_LIST_ITEMS = [
    "measure before changing anything", "keep a naive version as a reference",
    "check the empty input", "watch for integer overflow", "log the random seed",
    "separate latency from throughput", "try the smallest input first",
    "track peak memory", "write the invariant down", "compare against a baseline",
]  # fmt: skip

SYMBOLS = ["x", "y", "z", "w", "u", "v", "a", "b", "h", "q"]
GREEK = [r"\alpha", r"\beta", r"\gamma", r"\lambda", r"\mu", r"\sigma", r"\theta", r"\eta"]

# --- Formulas ------------------------------------------------------------------------


def _sym(rng: random.Random) -> str:
    return rng.choice(SYMBOLS)


def _greek(rng: random.Random) -> str:
    return rng.choice(GREEK)


def inline_formula(rng: random.Random) -> str:
    """Return the TeX of a short inline formula (no delimiters)."""
    s, g, n, k = _sym(rng), _greek(rng), rng.randint(2, 64), rng.randint(1, 9)
    forms = [
        f"{s}_{{{k}}}",
        r"O(n \log n)",
        f"O(n^{{{k % 3 + 2}}})",
        rf"\frac{{{k}}}{{{n}}}",
        rf"\sum_{{i=1}}^{{{n}}} {s}_i",
        rf"\mathbb{{E}}[{s}] = {g}",
        rf"{s} \in \mathbb{{R}}^{{{n}}}",
        rf"\lVert {s} \rVert_2 \le {k}",
        f"{g} = 0.{rng.randint(1, 999):03d}",
        rf"p({s} \mid {g})",
        rf"\nabla_{{{g}}} L({g})",
        rf"{s}^{{{k}}} + {s} - {n} = 0",
        rf"\log_2 {n} \approx {k}",
        rf"{g}_t \to {g}^\ast",
        rf"\hat{{{s}}}_{{{k}}}",
    ]
    return rng.choice(forms)


def display_formula(rng: random.Random) -> str:
    """Return the TeX of a display formula (no delimiters)."""
    s, g, n, k = _sym(rng), _greek(rng), rng.randint(2, 512), rng.randint(1, 9)
    forms = [
        rf"L({g}) = -\frac{{1}}{{{n}}} \sum_{{i=1}}^{{{n}}} \log p_{{{g}}}(y_i \mid {s}_i)",
        rf"\operatorname{{softmax}}({s})_j = "
        rf"\frac{{e^{{{s}_j}}}}{{\sum_{{k=1}}^{{{n}}} e^{{{s}_k}}}}",
        r"\operatorname{Attention}(Q, K, V) = \operatorname{softmax}\left(\frac{QK^\top}"
        rf"{{\sqrt{{{n}}}}}\right) V",
        rf"T(n) = {k % 4 + 2}\, T\!\left(\frac{{n}}{{{k % 3 + 2}}}\right) + O(n)",
        rf"\int_{{-\infty}}^{{\infty}} e^{{-{k} {s}^2}} \, d{s} = \sqrt{{\frac{{\pi}}{{{k}}}}}",
        rf"{g}_{{t+1}} = {g}_t - \eta \nabla L({g}_t), \quad \eta = 10^{{-{k}}}",
        rf"\begin{{pmatrix}} {k} & {n} \\ {s} & {g} \end{{pmatrix}}"
        rf"\begin{{pmatrix}} {s}_1 \\ {s}_2 \end{{pmatrix}} = \mathbf{{0}}",
        rf"V(s) = \max_a \Big( R(s, a) + 0.{k} \sum_{{s'}} P(s' \mid s, a) V(s') \Big)",
        rf"D_{{\mathrm{{KL}}}}(P \,\|\, Q) = \sum_{{{s}}} P({s}) \log \frac{{P({s})}}{{Q({s})}}",
        rf"\Pr[\text{{false positive}}] \approx \left(1 - e^{{-{k} n / {n}}}\right)^{{{k}}}",
    ]
    return rng.choice(forms)


def aligned_formula(rng: random.Random) -> str:
    """Return an aligned environment of a few steps (the body of a $$ block)."""
    s, n, k = _sym(rng), rng.randint(2, 99), rng.randint(2, 9)
    return (
        "\\begin{aligned}\n"
        f"f({s}) &= ({s} + {k})^2 - {n} \\\\\n"
        f"     &= {s}^2 + {2 * k}{s} + {k * k} - {n} \\\\\n"
        f"     &= {s}^2 + {2 * k}{s} {'+' if k * k >= n else '-'} {abs(k * k - n)}\n"
        "\\end{aligned}"
    )


# --- Code ----------------------------------------------------------------------------


def python_code(rng: random.Random) -> str:
    """Return a small Python listing."""
    name = rng.choice(["fit", "train", "solve", "step", "update", "search"])
    lr, steps, every = rng.choice(["0.1", "0.01", "3e-4"]), rng.randint(10, 500), rng.randint(2, 50)
    forms = [
        f"""import numpy as np


def {name}(x, y, lr={lr}, steps={steps}):
    \"\"\"Least squares by plain gradient descent.\"\"\"
    w = np.zeros(x.shape[1])
    for step in range(steps):
        grad = x.T @ (x @ w - y) / len(x)
        w -= lr * grad
        if step % {every} == 0:
            print(step, float(np.linalg.norm(grad)))
    return w
""",
        f"""from functools import lru_cache


@lru_cache(maxsize=None)
def {name}(i, capacity):
    # Best value using items i.. with the given capacity left.
    if i == len(ITEMS) or capacity == 0:
        return 0
    weight, value = ITEMS[i]
    best = {name}(i + 1, capacity)
    if weight <= capacity:
        best = max(best, value + {name}(i + 1, capacity - weight))
    return best


ITEMS = [({rng.randint(1, 9)}, {rng.randint(10, 99)}), ({rng.randint(1, 9)}, {rng.randint(10, 99)})]
print({name}(0, {steps}))
""",
        f"""class UnionFind:
    def __init__(self, n):
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, a):
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def union(self, a, b):
        a, b = self.find(a), self.find(b)
        if a == b:
            return False
        if self.size[a] < self.size[b]:
            a, b = b, a
        self.parent[b] = a
        self.size[a] += self.size[b]
        return True


uf = UnionFind({steps})
""",
        f"""import torch


def {name}(model, batch, optimizer, clip={rng.randint(1, 5)}.0):
    optimizer.zero_grad(set_to_none=True)
    logits = model(batch["x"])
    loss = torch.nn.functional.cross_entropy(logits, batch["y"])
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    optimizer.step()
    return loss.item()
""",
    ]
    return rng.choice(forms)


def sql_code(rng: random.Random) -> str:
    """Return a small SQL listing."""
    days, limit = rng.randint(1, 90), rng.randint(5, 100)
    forms = [
        f"""SELECT user_id,
       event_time,
       SUM(amount) OVER (PARTITION BY user_id ORDER BY event_time
                         ROWS BETWEEN {rng.randint(2, 30)} PRECEDING AND CURRENT ROW) AS rolling
FROM payments
WHERE event_time >= now() - interval '{days} days'
ORDER BY user_id, event_time;
""",
        f"""CREATE INDEX idx_orders_customer_created
    ON orders (customer_id, created_at DESC);

EXPLAIN ANALYZE
SELECT id, total
FROM orders
WHERE customer_id = {rng.randint(1, 99999)}
ORDER BY created_at DESC
LIMIT {limit};
""",
        f"""WITH daily AS (
    SELECT date_trunc('day', ts) AS day, count(DISTINCT session_id) AS sessions
    FROM clicks
    WHERE ts > now() - interval '{days} days'
    GROUP BY 1
)
SELECT day, sessions,
       sessions - lag(sessions) OVER (ORDER BY day) AS delta
FROM daily
ORDER BY day DESC
LIMIT {limit};
""",
    ]
    return rng.choice(forms)


def cpp_code(rng: random.Random) -> str:
    """Return a small C++ listing."""
    n = rng.choice([1 << 10, 1 << 16, 200005, 100003])
    forms = [
        f"""#include <vector>

struct Fenwick {{
    std::vector<long long> t;
    explicit Fenwick(int n) : t(n + 1, 0) {{}}
    void add(int i, long long v) {{
        for (; i < (int)t.size(); i += i & -i) t[i] += v;
    }}
    long long sum(int i) const {{
        long long s = 0;
        for (; i > 0; i -= i & -i) s += t[i];
        return s;
    }}
}};

Fenwick fw({n});
""",
        f"""#include <queue>
#include <vector>
#include <limits>

// Graphs here have up to {n} vertices; weights are non-negative.

using Edge = std::pair<int, long long>;

std::vector<long long> dijkstra(const std::vector<std::vector<Edge>>& g, int src) {{
    std::vector<long long> dist(g.size(), std::numeric_limits<long long>::max());
    std::priority_queue<std::pair<long long, int>, std::vector<std::pair<long long, int>>,
                        std::greater<>> pq;
    dist[src] = 0;
    pq.push({{0, src}});
    while (!pq.empty()) {{
        auto [d, u] = pq.top();
        pq.pop();
        if (d != dist[u]) continue;
        for (auto [v, w] : g[u])
            if (dist[u] + w < dist[v]) pq.push({{dist[v] = dist[u] + w, v}});
    }}
    return dist;
}}
""",
        f"""__global__ void saxpy(int n, float a, const float* x, float* y) {{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = a * x[i] + y[i];
}}

// launch: {n} elements, {rng.choice([128, 256, 512])} threads per block
""",
    ]
    return rng.choice(forms)


CODE_MAKERS = {"python": python_code, "sql": sql_code, "cpp": cpp_code}

# --- Articles ------------------------------------------------------------------------


@dataclass(frozen=True)
class GeneratedArticle:
    """One generated document and what the generator put into it."""

    index: int
    filename: str
    slug: str
    text: str
    lang: str
    formulas: int
    code_blocks: int
    # The front matter as written, and its dates as naive datetimes in the site's zone.
    fields: dict
    date: datetime
    updated: datetime | None

    @property
    def body(self) -> str:
        """Return the Markdown after the front matter."""
        return self.text.split("\n---\n", 1)[1]


class _Writer:
    """Builds one article body block by block, in one language, from one random source."""

    def __init__(self, rng: random.Random, zh: bool, topic: tuple[str, str]):
        self.rng = rng
        self.zh = zh
        self.topic = topic
        self.blocks: list[str] = []
        self.length = 0
        self.formulas = 0
        self.code_blocks = 0

    def _topic_name(self, topic: tuple[str, str]) -> str:
        return topic[0] if self.zh else topic[1]

    def sentence(self, with_math: bool) -> str:
        rng = self.rng
        pool = ZH_SENTENCES if self.zh else EN_SENTENCES
        template = rng.choice(pool)
        if "{x}" in template and not with_math:
            # Without math the slot holds plain words instead.
            template = template.replace("{x}", "{t2}")
        other = rng.choice(TOPICS)
        text = template.format(
            t=self._topic_name(self.topic),
            T=self._topic_name(self.topic)[:1].upper() + self._topic_name(self.topic)[1:],
            t2=self._topic_name(other),
            a=rng.choice(ZH_ASPECTS if self.zh else EN_ASPECTS),
            n=rng.randint(2, 128),
            m=rng.randint(3, 97),
            x=f"${inline_formula(rng)}$" if "{x}" in template else "",
        )
        self.formulas += "{x}" in template
        return text

    def paragraph(self, sentences: int, with_math: bool) -> str:
        joiner = "" if self.zh else " "
        text = joiner.join(self.sentence(with_math) for _ in range(sentences))
        self.add(text)
        return text

    def add(self, block: str) -> None:
        self.blocks.append(block)
        self.length += len(block) + 2

    def pop(self) -> None:
        self.length -= len(self.blocks.pop()) + 2

    def paragraph_with_formulas(self, count: int) -> None:
        """Add a paragraph holding exactly `count` inline formulas."""
        parts = []
        for _ in range(count):
            parts.append(self.sentence(with_math=False))
            formula = inline_formula(self.rng)
            if self.zh:
                parts.append(f"其中 ${formula}$ 是关键量。")
            else:
                parts.append(f"Here ${formula}$ matters.")
            self.formulas += 1
        self.add(("" if self.zh else " ").join(parts))

    def heading(self) -> None:
        self.add("## " + self.rng.choice(ZH_HEADINGS if self.zh else EN_HEADINGS))

    def bullet_list(self) -> None:
        items = self.rng.sample(ZH_LIST_ITEMS if self.zh else EN_LIST_ITEMS, self.rng.randint(3, 5))
        self.add("\n".join(f"- {item}" for item in items))

    def code(self, language: str | None = None) -> None:
        language = language or self.rng.choice(list(CODE_MAKERS))
        body = CODE_MAKERS[language](self.rng).rstrip("\n")
        self.add(f"```{language}\n{body}\n```")
        self.code_blocks += 1

    def display(self, aligned: bool = False) -> None:
        tex = aligned_formula(self.rng) if aligned else display_formula(self.rng)
        self.add(f"$$\n{tex}\n$$")
        self.formulas += 1

    def body(self) -> str:
        return "\n\n".join(self.blocks) + "\n"


def _front_matter(fields: dict) -> str:
    lines = ["---"]
    for key, value in fields.items():
        if isinstance(value, list):
            lines.append(f"{key}: [{', '.join(json.dumps(v, ensure_ascii=False) for v in value)}]")
        elif isinstance(value, str) and key in ("title",):
            lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
        else:
            lines.append(f"{key}: {value}")
    lines.append("---")
    return "\n".join(lines) + "\n\n"


def _title(rng: random.Random, zh: bool, topic: tuple[str, str]) -> str:
    other = rng.choice(TOPICS)
    if zh:
        return rng.choice(ZH_TITLES).format(
            topic=topic[0], topic2=other[0], aspect=rng.choice(ZH_ASPECTS), n=rng.randint(1, 9)
        )
    name = topic[1]
    return rng.choice(EN_TITLES).format(
        topic=name,
        Topic=name[:1].upper() + name[1:],
        topic2=other[1],
        aspect=rng.choice(EN_ASPECTS),
        n=rng.randint(1, 9),
    )


def _target_length(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.25:
        return rng.randint(MIN_CHARS, 2_000)
    if roll < 0.80:
        return rng.randint(2_000, 6_000)
    return rng.randint(6_000, MAX_CHARS - 500)


def article_date(index: int, count: int, rng: random.Random) -> datetime:
    """Return the date of article `index` of `count`: its own slot, a random second in it."""
    slot = DATE_SPAN / max(count, 1)
    offset = rng.uniform(0, slot.total_seconds() * 0.9)
    return (FIRST_DATE + slot * index + timedelta(seconds=offset)).replace(microsecond=0)


def make_article(index: int, count: int = DEFAULT_COUNT, seed: int = DEFAULT_SEED):
    """Return generated article number `index` (0-based) of a set of `count`."""
    rng = random.Random(f"{seed}:{index}")
    zh = rng.random() < 0.6
    topic = rng.choice(TOPICS)
    title = _title(rng, zh, topic)
    slug = f"bench-{index:06d}"
    date = article_date(index, count, rng)
    fields: dict = {
        "title": title,
        "slug": slug,
        "date": date.strftime("%Y-%m-%d %H:%M:%S"),
    }
    later = None
    if rng.random() < 0.25:
        later = date + timedelta(days=rng.randint(1, 400), seconds=rng.randint(0, 86_399))
        fields["updated"] = later.strftime("%Y-%m-%d %H:%M:%S")
    fields["categories"] = rng.choice(CATEGORIES)
    fields["tags"] = rng.sample(TAGS, rng.randint(1, 5))
    fields["lang"] = "zh-CN" if zh else "en"

    with_math = rng.random() < 0.8
    with_code = rng.random() < 0.75
    target = _target_length(rng)
    writer = _Writer(rng, zh, topic)
    writer.paragraph(rng.randint(2, 4), with_math)
    aligned_done = False
    while writer.length < target:
        roll = rng.random()
        before = len(writer.blocks)
        if roll < 0.12:
            writer.heading()
        elif roll < 0.22 and with_code:
            writer.code()
        elif roll < 0.30 and with_math:
            writer.display(aligned=not aligned_done and rng.random() < 0.5)
            aligned_done = aligned_done or "aligned" in writer.blocks[-1]
        elif roll < 0.36:
            writer.bullet_list()
        else:
            writer.paragraph(rng.randint(2, 6), with_math)
        if writer.length > MAX_CHARS - 300 and len(writer.blocks) > before + 0:
            writer.pop()
            break
    if with_math and writer.formulas == 0:
        writer.display()
    text = _front_matter(fields) + writer.body()
    filename = f"{index:05d}-{slug}.md"
    return GeneratedArticle(
        index,
        filename,
        slug,
        text,
        fields["lang"],
        writer.formulas,
        writer.code_blocks,
        fields,
        date,
        later,
    )


def generate(count: int = DEFAULT_COUNT, seed: int = DEFAULT_SEED) -> Iterator[GeneratedArticle]:
    """Yield `count` generated articles, oldest first."""
    for index in range(count):
        yield make_article(index, count, seed)


def typical_article(seed: int = 0, *, slug: str | None = None, date: str | None = None) -> str:
    """Return a ~5,000-character mixed Chinese/English article: 3 code blocks, 20 formulas.

    Different seeds give different prose, formulas and code of the same shape, so a
    benchmark can publish many of them without hitting any cache.
    """
    rng = random.Random(f"typical:{seed}")
    topic = rng.choice(TOPICS)
    writer = _Writer(rng, True, topic)
    # 20 formulas: 14 inline in four paragraphs, 5 display, 1 aligned environment.
    writer.paragraph(3, with_math=False)
    writer.heading()
    writer.paragraph_with_formulas(4)
    writer.display()
    writer.paragraph(3, with_math=False)
    writer.code("python")
    writer.heading()
    writer.paragraph_with_formulas(4)
    writer.display()
    writer.display(aligned=True)
    writer.paragraph(3, with_math=False)
    writer.code("sql")
    writer.heading()
    writer.paragraph_with_formulas(3)
    writer.display()
    writer.bullet_list()
    writer.code("cpp")
    writer.paragraph_with_formulas(3)
    writer.display()
    writer.display()
    fields = {
        "title": _title(rng, True, topic),
        "slug": slug or f"typical-{seed}",
        "date": date or "2018-06-01 12:00:00",
        "categories": ["机器学习", "深度学习"],
        "tags": ["Python", "数学推导", "Benchmark"],
        "lang": "zh-CN",
    }
    head = _front_matter(fields)
    # Pad the formula-free paragraphs with more prose up to about 5,000 characters.
    plain = [0, 4, 10]
    while len(head) + writer.length < 4_950:
        sentences = [writer.sentence(with_math=False) for _ in range(rng.randint(2, 4))]
        extra = "\n\n" + "".join(sentences)
        writer.blocks[rng.choice(plain)] += extra
        writer.length += len(extra)
    if writer.formulas != 20 or writer.code_blocks != 3:
        raise RuntimeError("typical_article() lost its shape")
    return head + writer.body()


def main(argv: list[str] | None = None) -> int:
    """Write generated articles to a folder, or print the typical article."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, help="folder to write NNNNN-slug.md files into")
    parser.add_argument("--typical", action="store_true", help="print typical_article() and exit")
    args = parser.parse_args(argv)
    if args.typical:
        sys.stdout.write(typical_article())
        return 0
    total = formulas = code = with_math = 0
    sizes = []
    for article in generate(args.count, args.seed):
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / article.filename).write_text(article.text, encoding="utf-8")
        total += 1
        formulas += article.formulas
        code += article.code_blocks
        with_math += article.formulas > 0
        sizes.append(len(article.text))
    sizes.sort()
    where = f" into {args.out}" if args.out else " (not written; pass --out DIR)"
    print(f"Generated {total} articles{where}.")
    if sizes:
        print(
            f"  characters: min {sizes[0]}, median {sizes[len(sizes) // 2]}, max {sizes[-1]}; "
            f"{with_math} with math, {formulas} formulas, {code} code blocks"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
