//! The columns of 工会会员信息采集表, in template order, with the rule each states. The
//! template, the reader and the instructions sheet all come from this one list.

/// One column of the template.
pub struct Column {
    pub header: &'static str,
    /// What the 填表说明 sheet says about it.
    pub rule: &'static str,
}

pub const NAME: usize = 0;
pub const PHONE: usize = 1;
pub const ID_TYPE: usize = 2;
pub const ID_NUMBER: usize = 3;
pub const GENDER: usize = 4;
pub const MIGRANT: usize = 5;
pub const POSITION: usize = 6;
pub const JOINED_ON: usize = 7;
pub const UNIT: usize = 8;
pub const STATUS: usize = 9;
pub const REMARK: usize = 10;

pub const COLUMNS: [Column; 11] = [
    Column {
        header: "姓名",
        rule: "必填，不超过50个字",
    },
    Column {
        header: "手机号码",
        rule: "必填，11位大陆手机号码",
    },
    Column {
        header: "证件类型",
        rule: "下拉选择：居民身份证、护照、港澳居民来往内地通行证、台湾居民来往大陆通行证、港澳台居民居住证；不填视为居民身份证",
    },
    Column {
        header: "证件号码",
        rule: "必填；居民身份证为18位（末位可为X），校验码和出生日期须正确；同一文件内不能重复",
    },
    Column {
        header: "性别",
        rule: "下拉选择：男、女；居民身份证可不填（由证件号码推算），填写时须与证件号码一致",
    },
    Column {
        header: "是否农民工",
        rule: "下拉选择：是、否；不填视为否",
    },
    Column {
        header: "职务",
        rule: "选填，不超过50个字",
    },
    Column {
        header: "入会日期",
        rule: "选填，日期格式如2020-05-01，不能晚于今天",
    },
    Column {
        header: "所在单位",
        rule: "选填，下拉选择本工会已登记的单位；新单位请先在“单位管理”中添加",
    },
    Column {
        header: "会籍状态",
        rule: "下拉选择：入会、转出、退休、离岗、其他；不填视为入会",
    },
    Column {
        header: "备注",
        rule: "选填，不超过500个字",
    },
];

/// Values offered by the drop-downs.
pub const YES_NO: [&str; 2] = ["是", "否"];
pub const GENDERS: [&str; 2] = ["男", "女"];
