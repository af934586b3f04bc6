// Names for the generated schema types the apps use.
import type { components } from './schema'

type S = components['schemas']

export type Org = S['Org']
export type OrgKind = S['OrgKind']
export type OrgRef = S['OrgRef']
export type Admin = S['Admin']
export type CreateOrgBody = S['CreateOrgBody']
export type CreatedOrg = S['CreatedOrg']
export type OrgProfileBody = S['OrgProfileBody']
export type Unit = S['Unit']
export type UnitBody = S['UnitBody']
export type MemberSummary = S['MemberSummary']
export type MemberDetailView = S['MemberDetailView']
export type MemberBody = S['MemberBody']
export type MemberStatus = S['MemberStatus']
export type LeaveBody = S['LeaveBody']
export type Task = S['Task']
export type TaskStatus = S['TaskStatus']
export type Submitted = S['Submitted']
export type CertificationItem = S['CertificationItem']
export type CertificationStatus = S['CertificationStatus']
export type Reconciliation = S['Reconciliation']
export type UnionStats = S['UnionStats']
export type UncertifiedMember = S['UncertifiedMember']
export type LeftAccount = S['LeftAccount']
export type LoginResponse = S['LoginResponse']
export type AdminWithPassword = S['AdminWithPassword']
export type TransferRequestItem = S['TransferRequestItem']
export type TransferRequestStatus = S['TransferRequestStatus']
export type TransferRequestBody = S['TransferRequestBody']
export type TransferDirection = S['TransferDirection']

/** A page of a list, as every list route answers. */
export interface Page<T> {
  items: T[]
  total: number
  page: number
  page_size: number
}

/**
 * The one-time password of a newly created account, when the API returns one
 * (`initial_password` on the created account or beside it); older servers set a shared
 * initial password that must be changed at first login instead.
 */
export function initialPasswordOf(created: unknown): string | null {
  const pick = (v: unknown): string | null => {
    if (typeof v !== 'object' || v === null) return null
    const p = (v as Record<string, unknown>).initial_password
    return typeof p === 'string' && p !== '' ? p : null
  }
  if (typeof created !== 'object' || created === null) return null
  const c = created as Record<string, unknown>
  return pick(c) ?? pick(c.admin) ?? pick(c.account) ?? null
}

// Merchants, coupons, activities, settlement, the dashboard (console part 2).
export type StoredFile = S['StoredFile']
export type Merchant = S['Merchant']
export type MerchantKind = S['MerchantKind']
export type CreateMerchantBody = S['CreateMerchantBody']
export type UpdateMerchantBody = S['UpdateMerchantBody']
export type Staff = S['Staff']
export type StaffWithPassword = S['StaffWithPassword']
export type Coupon = S['Coupon']
export type CreateCouponBody = S['CreateCouponBody']
export type UpdateCouponBody = S['UpdateCouponBody']
export type Grant = S['Grant']
export type Activity = S['Activity']
export type ActivityBody = S['ActivityBody']
export type ActivityStatus = S['ActivityStatus']
export type ReviewStatus = S['ReviewStatus']
export type ActivityTotals = S['ActivityTotals']
export type ClaimLimit = S['ClaimLimit']
export type Prize = S['Prize']
export type TrailEntry = S['TrailEntry']
export type Statement = S['Statement']
export type SettlementStatus = S['SettlementStatus']
export type Dashboard = S['Dashboard']
export type StatLine = S['StatLine']
export type StatFigures = S['StatFigures']
export type RedemptionsDaily = S['RedemptionsDaily']
