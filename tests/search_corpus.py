"""A small corpus covering every kind of query the search must answer, with expected results."""

from __future__ import annotations

from webapp.extensions import db
from webapp.models import Article
from webapp.services.authoring import move_to_trash
from webapp.services.publishing import publish

# slug: (title, date, body). A later date is a more recent update.
ARTICLES = {
    "c01": (
        "卷积神经网络入门",
        "2024-01-01",
        "卷积层通过共享权重提取局部特征。本文介绍 CNN 的基本结构。",
    ),
    "c02": ("图像处理笔记", "2024-02-01", "高斯模糊本质上是一次卷积运算，边缘检测也一样。"),
    "c03": ("期末复习", "2024-03-01", "做完一套试卷之后，整理错题。"),
    "c04": ("显存优化笔记", "2024-04-01", "梯度检查点（gradient checkpointing）用计算换显存。"),
    # 梯度检查点 and "gradient checkpointing" are both split by a line break in the source.
    "c05": (
        "长序列训练",
        "2024-05-01",
        "开启梯度检\n查点之后，显存占用明显下降。\nIt recomputes activations in the backward pass,\n"
        "a form of gradient\ncheckpointing.",
    ),
    "c06": ("梯度下降回顾", "2024-06-01", "梯度下降（gradient descent）是最基本的优化方法。"),
    "c07": ("FlashAttention 原理浅析", "2024-07-01", "FlashAttention 把注意力计算分块放进 SRAM。"),
    "c08": ("DDP 多卡训练", "2024-08-01", "使用 DistributedDataParallel（DDP）在多张卡上训练。"),
    "c09": ("PyTorch 分布式", "2024-09-01", "本文讲 DDP 的原理：梯度在反向传播时做 all-reduce。"),
    "c10": (
        "verl 配置项",
        "2024-10-01",
        "设置 `use_rmpad=True` 可以去掉 padding；flash attention 也能加速。",
    ),
    # functools.partial and kv_cache_manager only inside a code block.
    "c11": (
        "Python 小技巧",
        "2024-11-01",
        "偏函数很有用。\n\n```python\nimport functools\n"
        "kv_cache_manager = functools.partial(make_cache, size=4)\n```\n",
    ),
    # softplus only inside a formula; "gradient" and "descent" apart.
    "c12": (
        "PyTorch 模块",
        "2024-12-01",
        "自定义层要继承 nn.Module，并实现 forward。The gradient gives a direction and the "
        "descent follows it.\n\n$$\\mathrm{softplus}(x) = \\log(1 + e^x)$$\n",
    ),
    "c13": (
        "激活函数",
        "2023-06-01",
        "Softplus 是 ReLU 的平滑版本，x < 0 时接近 0。用 functools.partial 固定参数。",
    ),
}
DRAFT = ("卷积草稿", "2025-01-01", "卷积 DDP 原理 use_rmpad softplus nn.Module 草稿专用词")
TRASHED = ("回收站里的卷积", "2025-02-01", "卷积 DDP 原理 use_rmpad softplus 回收专用词")

# query: expected slugs, in order (tier, then newest first).
EXPECTED = {
    "卷": ["c01", "c03", "c02"],
    "卷积": ["c01", "c02"],
    "梯度检查点": ["c05", "c04"],
    "梯度": ["c06", "c09", "c05", "c04"],
    "flashattention": ["c07"],
    "FlashAttention": ["c07"],
    "FLASHATTENTION": ["c07"],
    '"flash attention"': ["c10"],
    "DDP 原理": ["c09"],
    "DDP原理": ["c09"],
    "ddp": ["c08", "c09"],
    "原理": ["c07", "c09"],
    "use_rmpad": ["c10"],
    "USE_RMPAD": ["c10"],
    "rmpad": ["c10"],
    "functools.partial": ["c13", "c11"],
    "kv_cache_manager": ["c11"],
    "nn.Module": ["c12"],
    "module": ["c12"],
    '"gradient descent"': ["c06"],
    "gradient descent": ["c12", "c06"],
    '"gradient checkpointing"': ["c05", "c04"],
    "softplus": ["c13", "c12"],
    "PyTorch 模块": ["c12"],
    "“梯度检查点”": ["c05", "c04"],
    '"卷积': ["c01", "c02"],
    "(卷积)": ["c01", "c02"],
    "草稿专用词": [],
    "回收专用词": [],
    "卷积 不存在的词": [],
}
# Odd input: never an error. Those that leave no term show the "nothing to search" text.
ODD_QUERIES = [
    '"', '""', "AND OR NOT", "*", ":", "()", "-", "-卷积", "!!!", "^", "NEAR(a b)", "title:卷积",
    "{title}: x", "a* OR b*", "'", "\\", "%", "_", "\x00", "卷\x00积", "🚀", "❤️", "　",
    "x" * 1000, "卷" * 1000, "a " * 500, '"' * 999, "<script>alert(1)</script>",
]  # fmt: skip


def markdown(slug: str, title: str, date: str, body: str, draft: bool = False) -> str:
    """Return an article's Markdown with front matter."""
    flag = "draft: true\n" if draft else ""
    return f"---\ntitle: {title}\nslug: {slug}\ndate: {date}\n{flag}---\n{body}\n"


def publish_corpus() -> None:
    """Publish the corpus, a draft and an article moved to the trash (inside an app context)."""
    for slug, (title, date, body) in ARTICLES.items():
        publish(markdown(slug, title, date, body), filename=f"{slug}.md")
    publish(markdown("draft", *DRAFT, draft=True), filename="draft.md")
    trashed = publish(markdown("trashed", *TRASHED), filename="trashed.md").article
    move_to_trash(db.session.get(Article, trashed.id))
