/* The data shapes of optocom, shared by the Node addon (prepended to its generated index.d.ts
   by `napi build`) and the WASM module (included by bindings-wasm/src/purchase.rs). */

/**
 * Appointments (or any records) as input: CSV text, or an array of plain objects keyed by the
 * CSV column names (aliases accepted).
 */
export type Data = string | ReadonlyArray<object>

/** The eight features of one patient. */
export interface PatientFeatures {
  age: number
  days_since_last_purchase: number
  employed: boolean
  benefits: boolean
  driver: boolean
  vdu_user: boolean
  varifocal: boolean
  high_prescription: boolean
}

/** A yes/no value as every reader accepts it: a boolean, 0 or 1, or the text Y/N, Yes/No, True/False (any case). */
export type Flag = boolean | number | string

/**
 * One patient's features as `predictPatient` reads them, like a row of a batch: numbers may
 * be given as their text (a web form's `"52"`), flags as any {@link Flag}. An `Appointment`
 * is one; its other fields are ignored.
 */
export interface PatientInput {
  age: number | string
  days_since_last_purchase: number | string
  employed: Flag
  benefits: Flag
  driver: Flag
  vdu_user: Flag
  varifocal: Flag
  high_prescription: Flag
}

/** One appointment: column names as in CSV headers (aliases accepted on input). */
export interface Appointment extends PatientFeatures {
  patient_id: string
  /** `YYYY-MM-DD` (input also accepts `DD/MM/YYYY`). */
  appointment_date: string
  /** GBP spent; `null` for upcoming appointments. */
  amount: number | null
}

export type ValueBand = 'high' | 'medium' | 'low'

export interface PatientPrediction {
  probability: number
  expected_spend: number
  expected_revenue: number
  revenue_sd: number
  value_band: ValueBand
}

export interface ScoredAppointment extends PatientPrediction {
  patient_id: string
  appointment_date: string
  actual_amount: number | null
}

export interface ForecastPoint {
  period_start: string
  period_end: string
  appointments: number
  expected_purchases: number
  expected_revenue: number
  std_dev: number
  lower: number
  upper: number
}

/**
 * One doctor's estimated campaign effect (`uplift`, `scoreUplift`): on the response
 * probability (bounds within [-1, 1]) or on the monthly Rx change, with its confidence
 * interval.
 */
export interface DoctorUplift {
  doctor_id: number
  targeted: boolean
  effect: number
  std_error: number
  lower: number
  upper: number
}

export interface ComparisonPoint {
  period_start: string
  period_end: string
  appointments: number
  actual: number
  predicted: number
  error: number
  lower: number
  upper: number
  within_interval: boolean
}

/** A row left out by a lenient reader. */
export interface Rejection {
  table: string
  location: { kind: 'row'; row: number } | { kind: 'line'; line: number; record: number } | { kind: 'sheet'; sheet: string; row: number }
  column: string
  value: string
  reason: string
}

/** Thrown (or the rejection of a Promise) for every core error. */
export interface OptocomError extends Error {
  name: 'OptocomError'
  /** The core's stable code: `invalid_value`, `missing_column`, `invalid_parameter`, ... */
  code: string
  /** 0-based position of the bad record (array index, or CSV record - 1). */
  row?: number
  /** CSV line (1-based, the header is line 1). */
  line?: number
  column?: string
  parameter?: string
  value?: string
  reason?: string
  /** The columns found, when one is missing. */
  found?: string[]
  errno?: number
  filename?: string
}

