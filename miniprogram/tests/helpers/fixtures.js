// Server answers shaped as agreed in README.md "API used".
const CODE = 'K7Q2M9X4ABCD3FGH5JKMNPQR';

function preview(overrides) {
  return Object.assign({
    code: CODE,
    status: 'unused',
    coupon: {
      id: 11,
      title: '2024 端午节福利',
      name: '粽子礼盒兑换券',
      amount_fen: 12850,
      valid_from: '2024-06-01T00:00:00+08:00',
      valid_to: '2024-06-30T23:59:59+08:00',
      merchant_name: '日照蛋糕坊',
      conditions: '凭券到店领取，不找零'
    },
    member: { name_masked: '张*', phone_masked: '181****2499' },
    redeemable: true,
    reason: null,
    redeemed_at: null,
    redeemed_merchant_name: null
  }, overrides || {});
}

function redemption(overrides) {
  return Object.assign({
    id: 501,
    code: CODE,
    coupon_title: '2024 端午节福利',
    amount_fen: 12850,
    redeemed_at: '2024-06-12T02:05:00Z',
    merchant_name: '日照蛋糕坊',
    staff_name: '王店员',
    member_name_masked: '张*'
  }, overrides || {});
}

module.exports = { CODE, preview, redemption };
