#!/usr/bin/env bash
# medians per cell of a results csv
awk -F, 'NR>1 { k=$1; w[k]=w[k]" "$2; c[k]=c[k]" "($3+$4); s[k]=s[k]" "$5; o[k]=o[k]" "$6 }
function med(str,  a,n,i,j,t) { n=split(str,a," "); for(i=1;i<=n;i++)for(j=i+1;j<=n;j++)if(a[j]<a[i]){t=a[i];a[i]=a[j];a[j]=t}; return n%2?a[(n+1)/2]:(a[n/2]+a[n/2+1])/2 }
END { for (k in w) printf "%-14s wall %.2f (%s) client %.2f (%s) server %.2f other(%s)\n", k, med(w[k]), w[k], med(c[k]), c[k], med(s[k]), o[k] }' "$1" | sort
