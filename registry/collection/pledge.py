"""The 承诺函 every person accepts before entering data. A new text gets a new version;
the version, time and client address are stored with the record."""

from __future__ import annotations

PLEDGE_VERSION = "2026.1"

PLEDGE_TITLE = "会计人员信息采集承诺函"

PLEDGE_TEXT = """本人自愿参加会计人员信息采集，并郑重承诺：

一、本人所填报的个人基本信息、学历信息、工作经历（或学籍、户籍、居住）信息及上传的证明材料均真实、准确、完整、有效，不存在虚假记载、误导性陈述或重大遗漏。

二、本人按照属地化管理原则，在工作单位所在地（在校学生为学籍所在地，其他人员为户籍或居住地）进行信息采集，且未在其他地区重复采集。

三、本人信息发生变化时，将及时通过本系统申请变更；工作地跨地区变动时，将按规定办理调转手续。

四、本人知悉并同意：会计管理机构依法对本人信息进行审核、管理和统计，并按规定上报全国会计人员信息库；本人信息仅用于会计人员管理与服务，会计管理机构对本人的个人信息依法予以保护。

五、如有弄虚作假，本人自愿承担由此产生的一切后果和法律责任，并同意将相关情况记入会计人员信用档案。"""
