// The exporter's user behaviour answers (GET /behaviour/profile, /suspicious, /users), as the
// contract defines them (@auditlens/contract, bundled into module.js).
export {
  profileSchema,
  suspiciousSchema,
  userLookupSchema,
  type Deviation,
  type Evidence,
  type Finding,
  type Profile,
  type ProfileClient,
  type Suspicious,
  type UserLookup,
  type UserMatch,
} from '@auditlens/contract/rest';
