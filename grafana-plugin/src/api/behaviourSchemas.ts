// The exporter's user behaviour answers (GET /behaviour/profile, /behaviour/suspicious), as the
// contract defines them (@auditlens/contract, bundled into module.js).
export {
  profileSchema,
  suspiciousSchema,
  type Deviation,
  type Evidence,
  type Finding,
  type Profile,
  type ProfileClient,
  type Suspicious,
} from '@auditlens/contract/rest';
