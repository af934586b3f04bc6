// The choices offered in forms (the API stores the chosen text). Unit enumerations follow
// the union's form (figure 20) and the national industry classification GB/T 4754.

export const unitNatures = ['企业', '事业单位', '机关', '社会团体', '民办非企业单位', '其他']

export const economicTypes = [
  '国有',
  '集体',
  '私营',
  '有限责任',
  '股份有限',
  '股份合作',
  '联营',
  '外商投资',
  '港澳台商投资',
  '个体',
  '其他',
]

export const industries = [
  '农、林、牧、渔业',
  '采矿业',
  '制造业',
  '电力、热力、燃气及水生产和供应业',
  '建筑业',
  '批发和零售业',
  '交通运输、仓储和邮政业',
  '住宿和餐饮业',
  '信息传输、软件和信息技术服务业',
  '金融业',
  '房地产业',
  '租赁和商务服务业',
  '科学研究和技术服务业',
  '水利、环境和公共设施管理业',
  '居民服务、修理和其他服务业',
  '教育',
  '卫生和社会工作',
  '文化、体育和娱乐业',
  '公共管理、社会保障和社会组织',
  '国际组织',
]

export const memberStatuses = [
  { value: 'active', label: '入会' },
  { value: 'transferred_out', label: '转出' },
  { value: 'retired', label: '退休' },
  { value: 'left_job', label: '离岗' },
  { value: 'other', label: '其他' },
] as const

/** What `leave` accepts; 转出 goes through 转会. */
export const leaveReasons = [
  { value: 'retired', label: '退休' },
  { value: 'left_job', label: '离岗' },
  { value: 'other', label: '其他' },
] as const

export const idTypes = [
  { value: 'resident_id', label: '居民身份证' },
  { value: 'passport', label: '护照' },
  { value: 'hk_macao_permit', label: '港澳居民来往内地通行证' },
  { value: 'taiwan_permit', label: '台湾居民来往大陆通行证' },
  { value: 'residence_permit', label: '港澳台居民居住证' },
] as const

export const certificationStatuses = [
  { value: 'pending', label: '待审核' },
  { value: 'approved', label: '已通过' },
  { value: 'rejected', label: '已驳回' },
] as const

export const taskStatuses = [
  { value: 'pending', label: '排队中' },
  { value: 'running', label: '执行中' },
  { value: 'succeeded', label: '执行成功' },
  { value: 'failed', label: '执行失败' },
] as const

export const transferRequestStatuses = [
  { value: 'pending', label: '待审批' },
  { value: 'approved', label: '已同意' },
  { value: 'rejected', label: '已驳回' },
] as const

export const merchantKinds = [
  { value: 'merchant', label: '商家' },
  { value: 'union', label: '本单位工会' },
] as const

export const activityStatuses = [
  { value: 'draft', label: '草稿' },
  { value: 'submitted', label: '待审核' },
  { value: 'approved', label: '审核通过' },
  { value: 'rejected', label: '驳回' },
  { value: 'opening', label: '开启中' },
  { value: 'open', label: '已开启' },
  { value: 'closed', label: '已关闭' },
] as const

export const settlementStatuses = [
  { value: 'draft', label: '草稿' },
  { value: 'confirmed', label: '已确认' },
] as const

/** The audit log's actions a clerk filters by (the API's codes and their names). */
export const auditActions = [
  { value: 'view_member_detail', label: '查看会员完整信息' },
  { value: 'create_member', label: '录入会员' },
  { value: 'update_member', label: '修改会员' },
  { value: 'transfer_member', label: '会员转会' },
  { value: 'member_left', label: '会员离会' },
  { value: 'approve_certification', label: '认证审核通过' },
  { value: 'reject_certification', label: '认证审核驳回' },
  { value: 'create_unit', label: '新增单位' },
  { value: 'update_unit', label: '修改单位' },
  { value: 'delete_unit', label: '删除单位' },
  { value: 'create_org', label: '新建下级组织' },
  { value: 'reset_admin_password', label: '重置管理员密码' },
  { value: 'create_merchant', label: '新增商家' },
  { value: 'update_merchant', label: '修改商家' },
  { value: 'merchant_online', label: '商家上线' },
  { value: 'merchant_offline', label: '商家下线' },
  { value: 'create_coupon', label: '新增优惠券' },
  { value: 'grant_coupon', label: '优惠券授权' },
  { value: 'create_activity', label: '新建活动' },
  { value: 'submit_activity', label: '提交活动审核' },
  { value: 'approve_activity', label: '活动审核通过' },
  { value: 'reject_activity', label: '活动审核驳回' },
  { value: 'generate_settlement_report', label: '生成结算报表' },
  { value: 'confirm_settlement_statement', label: '结算确认' },
] as const
