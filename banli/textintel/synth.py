"""Realistic synthetic proposals for evaluation, tests and benchmarks (no database needed).

Each topic has the units that usually handle it (lead, plausible alternative leads, co units),
its subjects, problems and measures, written the way deputies and members write. Noise: a share
of proposals goes to an alternative lead (a district, a neighbouring bureau), topics overlap,
some proposals are written in traditional characters, and topics come and go across years.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import zhconv

# (topic, lead, alternative leads, co units, subjects, problems, measures, first year)
TOPICS = [
    (
        "教育",
        "市教育局",
        ["龙华区人民政府", "南山区人民政府"],
        ["市发展和改革委员会", "市财政局"],
        ["中小学学位", "义务教育学位", "公办幼儿园", "课后托管服务", "职业教育", "校园周边交通安全", "教师队伍"],
        ["供给不足，学位缺口持续扩大", "优质资源分布不均衡", "家长接送压力大", "师资配备不足"],
        ["新建改扩建一批中小学校", "扩大公办学位供给", "推行课后延时服务全覆盖", "加大教师编制保障"],
        2018,
    ),
    (
        "医疗卫生",
        "市卫生健康委",
        ["市医疗保障局"],
        ["市医疗保障局", "市财政局"],
        ["社区健康服务中心", "基层医疗机构", "儿科医生", "家庭医生签约", "公立医院", "急救站点"],
        ["服务能力薄弱，群众看病难", "儿科门诊排队时间长", "家庭医生签约履约率不高", "急救响应时间偏长"],
        ["加大基层医疗卫生投入", "增加儿科医师培养", "完善家庭医生服务包", "优化急救网络布局"],
        2018,
    ),
    (
        "医保",
        "市医疗保障局",
        ["市卫生健康委"],
        ["市卫生健康委", "市人力资源和社会保障局"],
        ["医保报销", "异地就医结算", "长期护理保险", "门诊共济", "医保目录"],
        ["报销比例偏低", "异地结算手续繁琐", "失能老人护理负担重"],
        ["提高门诊报销比例", "推进异地就医直接结算", "试点长期护理保险制度"],
        2018,
    ),
    (
        "交通",
        "市交通运输局",
        ["市公安局交通警察局"],
        ["市公安局交通警察局", "市规划和自然资源局"],
        ["地铁接驳公交", "公交线路", "停车位", "慢行系统", "地铁站点", "出租车运营"],
        ["接驳不便，最后一公里问题突出", "早晚高峰拥堵严重", "停车难问题突出", "线路重复设置"],
        ["优化公交线网布局", "增设微循环公交", "建设立体停车场", "完善慢行交通系统"],
        2018,
    ),
    (
        "交通秩序",
        "市公安局交通警察局",
        ["市交通运输局"],
        ["市交通运输局", "市城市管理和综合执法局"],
        ["电动自行车", "交通信号灯", "学校周边交通", "违章停车", "路口渠化"],
        ["违法行驶现象多发", "信号配时不合理", "事故隐患突出"],
        ["加强电动自行车通行管理", "优化信号灯配时", "开展交通秩序专项整治"],
        2018,
    ),
    (
        "住房",
        "市住房和建设局",
        ["市规划和自然资源局"],
        ["市规划和自然资源局", "市财政局"],
        ["保障性住房", "人才房", "公共租赁住房", "老旧小区", "城中村", "物业管理"],
        ["供应不足，轮候时间长", "配套设施老化", "租金上涨过快", "物业服务质量不高"],
        ["加大保障性住房筹建力度", "推进老旧小区改造", "规范住房租赁市场", "加强物业服务监管"],
        2018,
    ),
    (
        "产业",
        "市工业和信息化局",
        ["龙华区人民政府", "市发展和改革委员会"],
        ["市规划和自然资源局", "市科技创新局"],
        ["工业上楼", "产业用房", "专精特新企业", "制造业", "产业园区", "工业园区"],
        ["产业空间不足，租金成本高", "企业外迁压力加大", "园区配套不完善"],
        ["推进工业上楼项目建设", "加大产业用房供给", "培育专精特新企业", "完善园区公共配套"],
        2018,
    ),
    (
        "中小企业",
        "市工业和信息化局",
        ["市地方金融监督管理局"],
        ["市地方金融监督管理局", "市商务局"],
        ["中小微企业", "民营企业", "首贷", "企业融资", "惠企政策"],
        ["融资难融资贵问题突出", "惠企政策知晓率低", "申报流程繁琐"],
        ["推广免申即享", "设立中小企业纾困基金", "扩大首贷贴息范围"],
        2018,
    ),
    (
        "商贸",
        "市商务局",
        ["市市场监督管理局"],
        ["市市场监督管理局", "市文化广电旅游体育局"],
        ["夜间经济", "跨境电商", "商圈", "老字号", "消费券", "外贸企业"],
        ["消费活力不足", "外贸订单下滑", "商圈同质化严重"],
        ["打造特色夜间消费街区", "支持跨境电商发展", "发放消费券提振消费"],
        2018,
    ),
    (
        "科技",
        "市科技创新局",
        ["市工业和信息化局"],
        ["市发展和改革委员会", "市财政局"],
        ["基础研究", "科技成果转化", "新型研发机构", "科技企业孵化器", "河套合作区"],
        ["成果转化率低", "原始创新能力不足", "研发投入结构不合理"],
        ["加大基础研究投入", "建设概念验证中心", "深化深港科技合作"],
        2018,
    ),
    (
        "生态环境",
        "市生态环境局",
        ["市水务局"],
        ["市水务局", "市城市管理和综合执法局"],
        ["噪声污染", "大气污染", "工地扬尘", "餐饮油烟", "碳排放"],
        ["扰民问题突出", "监管执法不到位", "投诉反复发生"],
        ["加强噪声污染防治", "严格工地扬尘管控", "推进碳达峰行动"],
        2018,
    ),
    (
        "水务",
        "市水务局",
        ["市生态环境局"],
        ["市生态环境局", "市规划和自然资源局"],
        ["黑臭水体", "内涝", "河道治理", "供水管网", "排水管网", "海绵城市"],
        ["雨季积水严重", "管网老化漏损", "河道水质反复"],
        ["推进排水管网改造", "建设海绵城市", "落实河长制"],
        2018,
    ),
    (
        "城市管理",
        "市城市管理和综合执法局",
        ["龙华区人民政府"],
        ["市生态环境局"],
        ["垃圾分类", "公园", "绿道", "市容环境", "公共厕所", "路灯照明"],
        ["分类投放设施不足", "管养水平不高", "市民参与度低"],
        ["完善垃圾分类设施", "建设口袋公园", "提升公园管理服务"],
        2018,
    ),
    (
        "就业社保",
        "市人力资源和社会保障局",
        ["市民政局"],
        ["市财政局", "市总工会"],
        ["高校毕业生就业", "灵活就业人员", "技能人才", "新就业形态劳动者", "社保缴费"],
        ["就业压力加大", "权益保障不足", "技能培训针对性不强"],
        ["扩大就业见习岗位", "完善灵活就业社保政策", "加强职业技能培训"],
        2018,
    ),
    (
        "养老",
        "市民政局",
        ["市卫生健康委"],
        ["市卫生健康委", "市医疗保障局"],
        ["养老服务", "居家养老", "社区长者食堂", "适老化改造", "养老机构"],
        ["服务供给不足", "护理人员短缺", "老年人助餐难"],
        ["建设社区长者食堂", "推进居家适老化改造", "发展普惠养老"],
        2018,
    ),
    (
        "托育",
        "市卫生健康委",
        ["市教育局"],
        ["市教育局", "市妇联"],
        ["托育服务", "婴幼儿照护", "普惠托位"],
        ["托育机构少，费用高", "照护服务不规范"],
        ["增加普惠托位供给", "支持用人单位办托"],
        2020,
    ),
    (
        "文体旅游",
        "市文化广电旅游体育局",
        ["市城市管理和综合执法局"],
        ["市教育局"],
        ["全民健身", "体育场馆", "公共图书馆", "文旅消费", "博物馆", "旅游景区"],
        ["场馆开放不足", "设施分布不均", "文旅融合不够"],
        ["推动学校体育场馆开放", "建设社区运动场地", "打造文旅消费新场景"],
        2018,
    ),
    (
        "市场监管",
        "市市场监督管理局",
        ["市商务局"],
        ["市公安局"],
        ["食品安全", "预付式消费", "校园食品安全", "直播带货", "电梯安全"],
        ["监管存在盲区", "消费者维权难", "投诉举报处理不及时"],
        ["加强预付式消费监管", "推行明厨亮灶", "强化电梯维保监管"],
        2018,
    ),
    (
        "规划土地",
        "市规划和自然资源局",
        ["市住房和建设局"],
        ["市住房和建设局", "市发展和改革委员会"],
        ["城市更新", "土地整备", "片区规划", "历史建筑保护", "鹭湖片区"],
        ["规划调整周期长", "土地利用效率低", "配套设施滞后"],
        ["加快城市更新项目审批", "推进片区统筹规划", "加强历史风貌区保护"],
        2018,
    ),
    (
        "数字政府",
        "市政务服务数据管理局",
        ["市工业和信息化局"],
        ["市公安局"],
        ["一网通办", "政务服务", "数据共享", "秒批", "电子证照", "智慧城市"],
        ["跨部门数据共享不畅", "办事材料重复提交", "线上办理体验不佳"],
        ["推进一网通办", "扩大秒批事项范围", "推动电子证照互认"],
        2018,
    ),
    (
        "金融",
        "市地方金融监督管理局",
        ["市工业和信息化局"],
        ["市财政局"],
        ["普惠金融", "绿色金融", "非法集资", "科技金融", "金融风险"],
        ["金融服务覆盖不足", "风险隐患较多"],
        ["发展普惠金融", "防范化解金融风险", "设立科技金融专营机构"],
        2018,
    ),
    (
        "应急安全",
        "市应急管理局",
        ["市消防救援支队"],
        ["市住房和建设局"],
        ["安全生产", "自然灾害防治", "应急避难场所", "危化品管理", "燃气安全"],
        ["安全隐患排查不彻底", "应急物资储备不足"],
        ["开展安全生产专项整治", "建设应急避难场所", "加强燃气安全管理"],
        2018,
    ),
    (
        "法治",
        "市司法局",
        ["市中级人民法院"],
        ["市中级人民法院", "市公安局"],
        ["公共法律服务", "人民调解", "法律援助", "矛盾纠纷化解"],
        ["服务供给不均衡", "基层调解力量薄弱"],
        ["完善公共法律服务体系", "加强人民调解队伍建设"],
        2018,
    ),
    (
        "低空经济",
        "市发展和改革委员会",
        ["市交通运输局", "市工业和信息化局"],
        ["市交通运输局", "市工业和信息化局"],
        ["低空经济", "无人机", "低空飞行", "eVTOL", "低空物流"],
        ["基础设施不完善", "空域管理制度不健全", "应用场景有限"],
        ["建设低空起降设施", "拓展低空应用场景", "完善低空飞行监管"],
        2022,
    ),
    (
        "新能源汽车",
        "市发展和改革委员会",
        ["市交通运输局", "市住房和建设局"],
        ["市住房和建设局", "市交通运输局"],
        ["充电桩", "新能源汽车", "超充站", "换电站"],
        ["充电设施不足", "老旧小区安装难", "布局不合理"],
        ["加快超充站建设", "推进小区充电桩进小区", "优化充电设施布局"],
        2019,
    ),
    (
        "深港合作",
        "龙华区人民政府",
        ["市发展和改革委员会", "市商务局"],
        ["市商务局", "市科技创新局"],
        ["深港合作", "双区建设", "前海合作区", "跨境通勤", "港澳青年创业"],
        ["合作机制不顺畅", "规则衔接不足", "通关效率不高"],
        ["深化深港规则衔接", "建设港澳青年创新创业基地", "提升口岸通关效率"],
        2018,
    ),
]

VERBS = ["加快", "推进", "进一步加强", "完善", "优化", "破解", "关于推动", "切实解决", "着力提升", "加大"]
ASPECTS = ["建设", "管理", "工作", "服务", "保障", "供给", "问题", "机制", "体系", "监管"]
FILLER = [
    "近年来，我市经济社会持续健康发展，但在{s}方面仍存在一些短板。",
    "经调研，群众对{s}反映较为集中。",
    "{s}关系群众切身利益，是民生领域的重要内容。",
    "据统计，相关投诉件数逐年上升。",
    "各区推进力度不一，部分区域进展缓慢。",
]


@dataclass
class SynthProposal:
    session: str
    year: int
    number: str
    title: str
    content: str
    topic: str
    lead: str
    cos: list[str] = field(default_factory=list)


def all_units() -> list[str]:
    units = set()
    for t in TOPICS:
        units.add(t[1])
        units.update(t[2])
        units.update(t[3])
    return sorted(units)


def _text(rng: random.Random, topic) -> tuple[str, str, str]:
    _, _, _, _, subjects, problems, measures, _ = topic
    s = rng.choice(subjects)
    s2 = rng.choice(subjects)
    title = f"关于{rng.choice(VERBS).removeprefix('关于')}{s}{rng.choice(ASPECTS)}的建议"
    ms = rng.sample(measures, k=min(len(measures), rng.randint(2, 3)))
    parts = [rng.choice(FILLER).format(s=s), f"当前，{s}{rng.choice(problems)}。"]
    if s2 != s:
        parts.append(f"同时，{s2}{rng.choice(problems)}。")
    parts.append("为此建议：" + "；".join(f"{'一二三'[i]}是{m}" for i, m in enumerate(ms)) + "。")
    return title, "".join(parts), s


PLACES = [
    "观澜街道",
    "民治街道",
    "大浪街道",
    "龙华街道",
    "福城街道",
    "观湖街道",
    "粤海街道",
    "西丽街道",
    "桃源街道",
    "蛇口街道",
    "沙河街道",
    "华侨城",
    "香蜜湖街道",
    "梅林街道",
    "莲花街道",
    "华富街道",
    "园岭街道",
    "南园街道",
    "东门街道",
    "翠竹街道",
    "新安街道",
    "西乡街道",
    "福永街道",
    "沙井街道",
    "松岗街道",
    "石岩街道",
    "布吉街道",
    "坂田街道",
    "横岗街道",
    "龙城街道",
    "坪地街道",
    "光明街道",
    "公明街道",
    "马田街道",
    "坑梓街道",
    "葵涌街道",
    "南澳街道",
    "盐田街道",
    "沙头角街道",
    "梅沙街道",
]


def seed_lexicon(texts) -> list[str]:
    """Distinct words of real texts (e.g. the seed work summaries), to vary synthetic details."""
    from .text import STOP_WORDS, segmenter

    words = set()
    for t in texts:
        for w in segmenter.get().cut(zhconv.convert(t, "zh-cn")):
            if len(w) >= 2 and w not in STOP_WORDS and all("\u4e00" <= c <= "\u9fff" for c in w):
                words.add(w)
    return sorted(words)


def generate(
    *,
    sessions: int = 6,
    per_session: int = 500,
    first_year: int = 2019,
    seed: int = 7,
    noise: float = 0.12,
    traditional: float = 0.05,
    duplicates: float = 0.03,
    lexicon: list[str] | None = None,
    code_prefix: str = "SYN",
) -> list[SynthProposal]:
    """Proposals over `sessions` yearly sessions, each labelled with lead and co units.

    With a `lexicon` (e.g. seed_lexicon of the seed summaries), every proposal also carries a
    sentence of specifics drawn from it, so the vocabulary grows as it does in real texts.
    A share `duplicates` are rewrites of an earlier proposal of the same session (to be merged).
    """
    rng = random.Random(seed)
    out = []
    for si in range(sessions):
        year = first_year + si
        code = f"{code_prefix}{year}"
        live = [t for t in TOPICS if t[7] <= year]
        weights = [rng.uniform(0.5, 2.0) for _ in live]
        start = len(out)
        for n in range(per_session):
            if duplicates and n > 10 and rng.random() < duplicates:
                orig = out[rng.randrange(start, len(out))]
                sentences = [x for x in orig.content.split("。") if x]
                rng.shuffle(sentences)
                title = orig.title.replace("关于", "关于" + rng.choice(["尽快", "切实", "进一步"]), 1)
                out.append(
                    SynthProposal(
                        code,
                        year,
                        f"{year}{n + 1:04d}",
                        title,
                        "。".join(sentences) + "。",
                        orig.topic,
                        orig.lead,
                        list(orig.cos),
                    )
                )
                continue
            topic = rng.choices(live, weights=weights)[0]
            title, content, _ = _text(rng, topic)
            if rng.random() < 0.15:  # a second topic mentioned in passing
                other = rng.choice(live)
                content += f"此外，{rng.choice(other[4])}{rng.choice(other[5])}。"
            place = rng.choice(PLACES)
            if rng.random() < 0.4:
                title = title.replace("关于", f"关于{place}", 1)
            if lexicon:
                words = rng.sample(lexicon, k=min(len(lexicon), rng.randint(6, 14)))
                half = len(words) // 2
                content += f"经走访{place}，{'、'.join(words[:half])}等情况较为突出，涉及{''.join(words[half:])}。"
            else:
                content += f"以{place}为例，情况较为典型。"
            lead = topic[1]
            if rng.random() < noise:
                lead = rng.choice(topic[2])
            cos = [u for u in topic[3] if u != lead and rng.random() < 0.35]
            if traditional and rng.random() < traditional:
                title, content = zhconv.convert(title, "zh-tw"), zhconv.convert(content, "zh-tw")
            out.append(SynthProposal(code, year, f"{year}{n + 1:04d}", title, content, topic[0], lead, cos))
    return out
