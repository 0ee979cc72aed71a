"""What the demo's deliberation looks like, shared by the parts that build it (topics, meetings
and resolutions, projects, rules and boards), so each part finds the others' records by these
names. From the two seed articles: 锦绣金山's pain points became four projects and seven
regulations; 仓基新村 held seven roundtables on its renovation.
"""

from mulin.demo import cangji, jinxiu

JINXIU, CANGJI = jinxiu.CODE, cangji.CODE

# 锦绣金山: the residents' pain points (列清单), each raised, supported, selected and resolved.
JINXIU_TOPICS = {
    "lockers": "快递柜堵在大门口，进出不安全",
    "path": "小区没有安全的人行通道",
    "parking": "停车乱，消防通道被占",
    "cameras": "小区没有监控，电动车屡次被偷",
    "playground": "儿童游乐设施破旧，孩子没处玩",
    "plots": "绿化带被种成菜地",
    "stilts": "架空层堆满杂物，没人管",
}
# The resolutions of the roundtables that picked them, by topic.
JINXIU_RESOLUTIONS = {
    "cameras": "安装 50 个监控探头，覆盖大门、楼道口和停车区域",
    "playground": "重修儿童游乐设施，铺设安全地垫",
    "plots": "清理菜地，改建为停车位，同时补种绿化",
    "stilts": "清理架空层杂物，改造为居民娱乐活动场所",
    "lockers": "快递柜移到大门内侧，留出人行通道",
}
# The four projects (晒进度), at different stages, by topic.
JINXIU_PROJECTS = {
    "cameras": "安装 50 个监控探头",
    "playground": "重修儿童游乐设施",
    "plots": "化“菜地”为停车位",
    "stilts": "架空层改造为居民娱乐场所",
}
# The 7 regulations the assembly adopted in March 2018 (定规矩).
JINXIU_REGULATIONS = [  # the motions of the March 2018 assembly (mulin/demo/decisions.py)
    "业主大会议事规则",
    "小区管理规约",
    "小区车辆管理规定",
    "公共收益管理办法",
    "小区装修管理规定",
    "环境卫生管理规定",
    "文明养宠公约",
]

# 仓基新村: the renovation discussed at 7 roundtables (睦邻圆桌会).
CANGJI_TOPICS = {
    "trellis": "破败的葡萄架能不能修一修",
    "wall": "小区缺少展示邻里故事的地方",
    "convention": "小区公约太长，没人记得住",
    "blackboard": "第七支部的小黑板太破旧",
    "lighting": "楼道和长廊晚上太暗",
}
CANGJI_ROUNDTABLES = 7
CANGJI_PROJECTS = {
    "trellis": "葡萄架改建“睦邻长廊”",
    "wall": "新建小区文化墙",
}
CANGJI_CONVENTION = "仓基新村邻里公约“三字经”"
